"""The dependency layer: the locked dependencies in terraform/layer.zip under python/,
where Lambda puts a layer's Python packages on the import path (/opt/python).

A project chooses it with `build --layer`, or makes it the default with one line
in terraform/main.tf's locals, `dependency_layer = true`, beside the runtime and
architecture the build must agree with. Its bytes depend only on the selected
lock entries, runtime and architecture: its entries always carry the fixed
1980-01-01 timestamp (SOURCE_DATE_EPOCH moves with every commit and would
republish the layer on every release).
"""

from __future__ import annotations

from ..project import Project
from . import main_locals, zipwriter

PREFIX = "python/"
STAMP = zipwriter.dos_timestamp(None)
SETTING = "dependency_layer"


def setting(project: Project) -> bool:
    """`dependency_layer` in terraform/main.tf's locals; false when the line is absent."""
    return main_locals.choice(project, SETTING, ("true", "false"), "false") == "true"


def content_identity(archive: bytes) -> str:
    """The layer identity (hex) of a layer zip's content, as the build computes it from what
    it installed: the files under python/, their modes and bytes; whatever zipped them."""
    import hashlib
    import io
    import zipfile

    from .identity import FileDigest, content_digest, layer_identity

    files = []
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        for info in opened.infolist():
            if info.is_dir() or not info.filename.startswith(PREFIX):
                continue
            mode = zipwriter.normal_mode((info.external_attr >> 16) & 0o777)
            files.append(FileDigest(info.filename.removeprefix(PREFIX), mode,
                                    hashlib.sha256(opened.read(info)).hexdigest()))
    return layer_identity(content_digest(files)).hex
