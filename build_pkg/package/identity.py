"""Deploy identities: the digests that decide what Terraform redeploys. Pure.

A function's identity moves exactly when what it runs does: the names, modes
and bytes of its closure's files; how its dependencies reach it (inside its
package, or from the layer) and their content; runtime, architecture and
handler. Nothing else goes in: not the zip's own bytes (a new compressor or
zip timestamp changes those, not what runs), not cache keys, not the builder's
or the installer's version. A new uv that installs the same files, or a comment
in the builder, moves no function; switching the layer on or off moves every
function, since each then runs a different package.

The layer's identity is its content in the same way, so it is republished
exactly when the files it puts under /opt/python change.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

IDENTITY_FORMAT = 2  # bump only when the definition changes: every function redeploys once


@dataclass(frozen=True)
class FileDigest:
    name: str  # as in the package ("/"-separated)
    mode: int
    sha256: str  # hex, of the uncompressed bytes


@dataclass(frozen=True)
class Identity:
    hex: str

    @property
    def base64(self) -> str:
        """Terraform's format for `source_code_hash`."""
        return base64.b64encode(bytes.fromhex(self.hex)).decode("ascii")


def content_digest(files: Iterable[FileDigest]) -> str:
    """One digest over a set of files' names, modes and bytes, in name order."""
    digest = hashlib.sha256()
    for file in sorted(files, key=lambda f: f.name):
        digest.update(f"{file.name}\0{file.mode:o}\0{file.sha256}\n".encode())
    return digest.hexdigest()


def dependencies_delivery(dependency_content: str, in_layer: bool) -> dict:
    """How a function gets its dependencies, as part of its identity."""
    return {"dependencies": "layer" if in_layer else "package", "content": dependency_content}


def function_identity(files: Iterable[FileDigest], delivery: dict, runtime: str, arch: str, handler: str) -> Identity:
    header = json.dumps({"format": IDENTITY_FORMAT, "runtime": runtime, "arch": arch, "handler": handler,
                         **delivery}, sort_keys=True)
    digest = hashlib.sha256(header.encode() + b"\0" + content_digest(files).encode())
    return Identity(digest.hexdigest())


def layer_identity(dependency_content: str) -> Identity:
    return Identity(hashlib.sha256(json.dumps({"format": IDENTITY_FORMAT, "layer": dependency_content})
                                   .encode()).hexdigest())
