"""A small client of the OCI distribution API: what pushing images and reading a base needs.

Blobs are pushed only when the registry lacks them (`HEAD` first), in one monolithic upload
(`POST` for a location, then `PUT ?digest=`), and manifests by digest, so an unchanged image
sends nothing and a one-function edit sends one code layer, one config and one manifest.
Plain HTTP only to a registry on this machine's loopback; everything else over HTTPS. The
`Authorization` header never follows a redirect (ECR sends blob downloads to S3, which
refuses a second credential, and a token must not reach another host). `auth`
is a ready `Authorization` value (ECR's comes from `GetAuthorizationToken`, as Basic); a
registry that answers 401 with a `Bearer` challenge (ECR Public, for the AWS base images) is
asked for an anonymous pull token once, as every registry client does.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from ..errors import RegistryError
from .oci import INDEX_TYPE, MANIFEST_TYPE, Image, digest_of

_LOOPBACK = ("127.0.0.1", "localhost", "[::1]")
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
_ACCEPT = ", ".join((MANIFEST_TYPE, DOCKER_MANIFEST, INDEX_TYPE, DOCKER_LIST))
_CHUNK = 1 << 20


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
    if sep and host and not ("." in host or ":" in host or host == "localhost"):
        raise RegistryError(f"{text!r} names no registry host ({host!r} is not one); give HOST/NAME, as "
                            f"public.ecr.aws/{text} or 127.0.0.1:PORT/NAME")
    if not sep or not host or not name or "@" in name or ":" in name:
        raise RegistryError(f"{text!r} is not a repository; give HOST/NAME, as an ECR repository URL "
                            "(ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME) or 127.0.0.1:PORT/NAME")
    return Repository(host, name)


@dataclass
class PushReport:
    blobs: list[str] = field(default_factory=list)  # digests sent
    present: int = 0  # blobs the registry had already
    bytes_sent: int = 0
    mounted: list[str] = field(default_factory=list)  # base blobs mounted from another repository
    copied: list[str] = field(default_factory=list)  # base blobs copied from the base's registry
    tags: list[str] = field(default_factory=list)  # tags set (those already there are not)

    def as_dict(self) -> dict:
        return {"blobs": self.blobs, "present": self.present, "bytes_sent": self.bytes_sent,
                "manifests": self.manifests, "mounted": self.mounted, "copied": self.copied, "tags": self.tags}
    manifests: list[str] = field(default_factory=list)  # digests sent (those the registry had are not)


class Registry:
    def __init__(self, repository: Repository, auth: str | None = None, timeout: float = 60):
        self.repository, self.auth, self.timeout = repository, auth, timeout
        self.base = f"{repository.scheme}://{repository.host}/v2/{repository.name}"

    def _send(self, method: str, url: str, data, headers: dict) -> tuple[int, bytes, dict]:
        request = urllib.request.Request(url, data=data, method=method, headers=dict(headers))
        if self.auth:
            request.add_unredirected_header("Authorization", self.auth)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read(), dict(exc.headers)
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise RegistryError(f"{self.repository}: cannot reach the registry ({reason}); check the address") from None

    def _request(self, method: str, url: str, data=None, headers: dict | None = None,
                 ok: tuple[int, ...] = (200,)) -> tuple[int, bytes, dict]:
        status, body, got = self._send(method, url, data, headers or {})
        challenge = got.get("WWW-Authenticate") or got.get("Www-Authenticate") or ""
        if status == 401 and challenge.startswith("Bearer ") and not (self.auth or "").startswith("Bearer "):
            self.auth = "Bearer " + self._token(challenge)
            status, body, got = self._send(method, url, data, headers or {})
        if status not in ok:
            detail = body[:200].decode("utf-8", "replace").strip()
            raise RegistryError(f"{self.repository}: {method} {urllib.parse.urlsplit(url).path} answered {status}"
                                f"{': ' + detail if detail else ''}")
        return status, body, got

    def _token(self, challenge: str) -> str:
        """An anonymous token for a `Bearer realm=...,service=...,scope=...` challenge."""
        fields = dict(re.findall(r'(\w+)="([^"]*)"', challenge))
        if "realm" not in fields:
            raise RegistryError(f"{self.repository}: the registry asks for a token without saying where to get one")
        query = urllib.parse.urlencode({k: v for k, v in fields.items() if k in ("service", "scope")})
        self.auth = None
        _, body, _ = self._request("GET", f"{fields['realm']}?{query}")
        try:
            answer = json.loads(body)
            return answer.get("token") or answer["access_token"]
        except (ValueError, KeyError, AttributeError):
            raise RegistryError(f"{self.repository}: the token service gave no token") from None

    def has_blob(self, digest: str) -> bool:
        status, _, _ = self._request("HEAD", f"{self.base}/blobs/{digest}", ok=(200, 404))
        return status == 200

    def put_blob(self, digest: str, data, size: int | None = None) -> None:
        """One monolithic upload of `data` (bytes, or a file of `size` bytes)."""
        _, _, headers = self._request("POST", f"{self.base}/blobs/uploads/", data=b"", ok=(202,))
        location = urllib.parse.urljoin(self.base + "/", headers.get("Location", ""))
        joiner = "&" if "?" in location else "?"
        length = len(data) if size is None else size
        self._request("PUT", f"{location}{joiner}digest={urllib.parse.quote(digest)}", data=data,
                      headers={"Content-Type": "application/octet-stream", "Content-Length": str(length)},
                      ok=(201,))

    def mount_blob(self, digest: str, source: "Repository") -> bool:
        """Link `digest` from `source`, a repository of the same registry, without sending it;
        false when the registry would rather have it uploaded (it answers 202)."""
        query = urllib.parse.urlencode({"mount": digest, "from": source.name})
        status, _, _ = self._request("POST", f"{self.base}/blobs/uploads/?{query}", data=b"", ok=(201, 202))
        return status == 201

    def copy_blob(self, digest: str, source: "Registry") -> int:
        """`digest` from `source` (another registry) into this one, through a temporary file
        (never the whole blob in memory). Returns its size."""
        with tempfile.TemporaryFile() as spool:
            size = source.download_blob(digest, spool)
            spool.seek(0)
            self.put_blob(digest, spool, size)
        return size

    def download_blob(self, digest: str, out) -> int:
        """Stream `digest` into the binary file `out`, checking its content against the digest
        on the way (RegistryError when it differs). Returns its size."""
        hasher, size = hashlib.sha256(), 0
        for chunk in self.read_blob(digest):
            hasher.update(chunk)
            out.write(chunk)
            size += len(chunk)
        if "sha256:" + hasher.hexdigest() != digest:
            raise RegistryError(f"{self.repository}: blob {digest} came back with other content; try again")
        return size

    def read_blob(self, digest: str):
        """The blob's bytes in chunks (following the registry's redirect to its storage)."""
        request = urllib.request.Request(f"{self.base}/blobs/{digest}")
        if self.auth:
            request.add_unredirected_header("Authorization", self.auth)
        else:
            self.has_blob(digest)  # answers a Bearer challenge first, if there is one
            if self.auth:
                request.add_unredirected_header("Authorization", self.auth)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                while chunk := response.read(_CHUNK):
                    yield chunk
        except urllib.error.HTTPError as exc:
            raise RegistryError(f"{self.repository}: GET blob {digest} answered {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise RegistryError(f"{self.repository}: cannot reach the registry ({reason}); check the address") from None

    def has_manifest(self, digest: str) -> bool:
        status, _, _ = self._request("HEAD", f"{self.base}/manifests/{digest}", headers={"Accept": _ACCEPT},
                                     ok=(200, 404))
        return status == 200

    def put_manifest(self, reference: str, data: bytes, media_type: str = MANIFEST_TYPE) -> None:
        self._request("PUT", f"{self.base}/manifests/{reference}", data=data,
                      headers={"Content-Type": media_type}, ok=(201,))

    def tag(self, tag: str, built: Image) -> bool:
        """Point `tag` at `built`, unless it already does (an immutable tag is never re-sent)."""
        status, _, headers = self._request("HEAD", f"{self.base}/manifests/{tag}", headers={"Accept": _ACCEPT},
                                           ok=(200, 404))
        if status == 200 and headers.get("Docker-Content-Digest") == built.digest:
            return False
        self.put_manifest(tag, built.manifest)
        return True

    def get_manifest(self, reference: str) -> tuple[bytes, str]:
        _, body, headers = self._request("GET", f"{self.base}/manifests/{reference}", headers={"Accept": _ACCEPT})
        return body, headers.get("Content-Type", MANIFEST_TYPE)

    def get_blob(self, digest: str) -> bytes:
        _, body, _ = self._request("GET", f"{self.base}/blobs/{digest}")
        if digest_of(body) != digest:
            raise RegistryError(f"{self.repository}: blob {digest} came back with other content; try again")
        return body


def push(registry: Registry, images: dict[str, Image], blobs, base: Registry | None = None) -> PushReport:
    """Every blob the images use that the registry lacks, then each manifest by its digest.

    `blobs` maps a digest to its bytes, or to a path holding them (the image layout's). A layer
    that is not there is the base's: mounted when `base` is a repository of the same registry,
    else copied from `base` once (the next push finds it present).
    """
    report = PushReport()
    wanted: dict[str, object] = {}
    for built in images.values():
        wanted[digest_of(built.config)] = built.config
        for digest in _layer_digests(built):
            wanted[digest] = blobs.get(digest)
    for digest, data in sorted(wanted.items()):
        if registry.has_blob(digest):
            report.present += 1
            continue
        if data is None:
            if base is None:
                raise RegistryError(f"image layer {digest} is not here to push, and no base registry to copy it "
                                    "from; build again")
            if base.repository.host == registry.repository.host and registry.mount_blob(digest, base.repository):
                report.mounted.append(digest)
                continue
            report.bytes_sent += registry.copy_blob(digest, base)
            report.copied.append(digest)
            continue
        if isinstance(data, (bytes, bytearray, memoryview)):
            registry.put_blob(digest, bytes(data))
            size = len(data)
        else:
            size = data.stat().st_size
            with open(data, "rb") as stream:
                registry.put_blob(digest, stream, size)
        report.blobs.append(digest)
        report.bytes_sent += size
    for _, built in sorted(images.items()):
        if registry.has_manifest(built.digest):
            continue
        registry.put_manifest(built.digest, built.manifest)
        report.manifests.append(built.digest)
    return report


def _layer_digests(built: Image) -> list[str]:
    return [layer["digest"] for layer in json.loads(built.manifest)["layers"]]
