"""A small client of the OCI distribution API: what pushing images and reading a base needs.

Blobs are pushed only when the registry lacks them (`HEAD` first), in one monolithic upload
(`POST` for a location, then `PUT ?digest=`), and manifests by digest, so an unchanged image
sends nothing and a one-function edit sends one code layer, one config and one manifest.
Plain HTTP only to a registry on this machine's loopback; everything else over HTTPS. `auth`
is a ready `Authorization` value (ECR's comes from `GetAuthorizationToken`, as Basic).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from ..errors import RegistryError
from .oci import MANIFEST_TYPE, Image, digest_of

_LOOPBACK = ("127.0.0.1", "localhost", "[::1]")
_ACCEPT = ", ".join((MANIFEST_TYPE, "application/vnd.docker.distribution.manifest.v2+json"))


@dataclass(frozen=True)
class Repository:
    host: str  # "127.0.0.1:5000", "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
    name: str  # "worker"

    @property
    def scheme(self) -> str:
        return "http" if self.host.rsplit(":", 1)[0] in _LOOPBACK else "https"

    def __str__(self) -> str:
        return f"{self.host}/{self.name}"


def parse_repository(text: str) -> Repository:
    """`HOST[:PORT]/NAME` (an ECR repository URL, or `127.0.0.1:PORT/NAME`)."""
    host, sep, name = text.removeprefix("https://").removeprefix("http://").partition("/")
    if not sep or not host or not name or "@" in name or ":" in name:
        raise RegistryError(f"{text!r} is not a repository; give HOST/NAME, as an ECR repository URL "
                            "(ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME) or 127.0.0.1:PORT/NAME")
    return Repository(host, name)


@dataclass
class PushReport:
    blobs: list[str] = field(default_factory=list)  # digests sent
    present: int = 0  # blobs the registry had already
    bytes_sent: int = 0
    manifests: list[str] = field(default_factory=list)  # digests sent (those the registry had are not)


class Registry:
    def __init__(self, repository: Repository, auth: str | None = None, timeout: float = 60):
        self.repository, self.auth, self.timeout = repository, auth, timeout
        self.base = f"{repository.scheme}://{repository.host}/v2/{repository.name}"

    def _request(self, method: str, url: str, data: bytes | None = None, headers: dict | None = None,
                 ok: tuple[int, ...] = (200,)) -> tuple[int, bytes, dict]:
        request = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
        if self.auth:
            request.add_header("Authorization", self.auth)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status, body, got = response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as exc:
            status, body, got = exc.code, exc.read(), dict(exc.headers)
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise RegistryError(f"{self.repository}: cannot reach the registry ({reason}); check the address") from None
        if status not in ok:
            detail = body[:200].decode("utf-8", "replace").strip()
            raise RegistryError(f"{self.repository}: {method} {urllib.parse.urlsplit(url).path} answered {status}"
                                f"{': ' + detail if detail else ''}")
        return status, body, got

    def has_blob(self, digest: str) -> bool:
        status, _, _ = self._request("HEAD", f"{self.base}/blobs/{digest}", ok=(200, 404))
        return status == 200

    def put_blob(self, digest: str, data: bytes) -> None:
        _, _, headers = self._request("POST", f"{self.base}/blobs/uploads/", data=b"", ok=(202,))
        location = urllib.parse.urljoin(self.base + "/", headers.get("Location", ""))
        joiner = "&" if "?" in location else "?"
        self._request("PUT", f"{location}{joiner}digest={urllib.parse.quote(digest)}", data=data,
                      headers={"Content-Type": "application/octet-stream", "Content-Length": str(len(data))},
                      ok=(201,))

    def has_manifest(self, digest: str) -> bool:
        status, _, _ = self._request("HEAD", f"{self.base}/manifests/{digest}", headers={"Accept": _ACCEPT},
                                     ok=(200, 404))
        return status == 200

    def put_manifest(self, reference: str, data: bytes, media_type: str = MANIFEST_TYPE) -> None:
        self._request("PUT", f"{self.base}/manifests/{reference}", data=data,
                      headers={"Content-Type": media_type}, ok=(201,))

    def get_manifest(self, reference: str) -> tuple[bytes, str]:
        _, body, headers = self._request("GET", f"{self.base}/manifests/{reference}", headers={"Accept": _ACCEPT})
        return body, headers.get("Content-Type", MANIFEST_TYPE)

    def get_blob(self, digest: str) -> bytes:
        _, body, _ = self._request("GET", f"{self.base}/blobs/{digest}")
        if digest_of(body) != digest:
            raise RegistryError(f"{self.repository}: blob {digest} came back with other content; try again")
        return body


def push(registry: Registry, images: dict[str, Image], blobs: dict[str, bytes]) -> PushReport:
    """Every blob the images use that the registry lacks, then each manifest by its digest."""
    report = PushReport()
    wanted: dict[str, bytes] = {}
    for built in images.values():
        wanted[digest_of(built.config)] = built.config
        for digest in _layer_digests(built):
            if digest not in blobs:
                raise RegistryError(f"image layer {digest} is not here to push; build again")
            wanted[digest] = blobs[digest]
    for digest, data in sorted(wanted.items()):
        if registry.has_blob(digest):
            report.present += 1
            continue
        registry.put_blob(digest, data)
        report.blobs.append(digest)
        report.bytes_sent += len(data)
    for _, built in sorted(images.items()):
        if registry.has_manifest(built.digest):
            continue
        registry.put_manifest(built.digest, built.manifest)
        report.manifests.append(built.digest)
    return report


def _layer_digests(built: Image) -> list[str]:
    return [layer["digest"] for layer in json.loads(built.manifest)["layers"]]
