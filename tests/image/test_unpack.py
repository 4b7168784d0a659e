"""Layers unpacked in order as a container runtime does: later files win, whiteouts delete,
an opaque whiteout empties its folder, and nothing is ever written outside the root."""

from __future__ import annotations

import io
import tarfile

import pytest

from build_pkg.errors import ImageError
from build_pkg.image import layer as layers
from build_pkg.image.unpack import unpack_layers


def _layer(tmp_path, name: str, files: dict[str, bytes]) -> object:
    path = tmp_path / f"{name}.tar.gz"
    path.write_bytes(layers.build([layers.File(p, 0o644, d) for p, d in files.items()]).blob)
    return path


def _raw(tmp_path, name: str, members: list[tarfile.TarInfo]) -> object:
    path = tmp_path / f"{name}.tar"
    with tarfile.open(path, "w") as archive:
        for member in members:
            archive.addfile(member, io.BytesIO(b"x" * member.size) if member.isfile() else None)
    return path


def test_later_layers_replace_and_whiteouts_delete(tmp_path):
    bottom = _layer(tmp_path, "bottom", {"var/task/a.py": b"A = 1\n", "var/task/gone.py": b"",
                                         "var/task/pkg/old.py": b"", "var/task/pkg/kept_by_opaque_no.py": b""})
    top = _layer(tmp_path, "top", {"var/task/a.py": b"A = 2\n", "var/task/.wh.gone.py": b"",
                                   "var/task/pkg/.wh..wh..opq": b"", "var/task/pkg/new.py": b"N = 1\n"})
    root = tmp_path / "root"
    unpack_layers([bottom, top], root)
    task = root / "var" / "task"
    assert (task / "a.py").read_bytes() == b"A = 2\n"
    assert not (task / "gone.py").exists() and not (task / ".wh.gone.py").exists()
    assert sorted(p.name for p in (task / "pkg").iterdir()) == ["new.py"]


def test_a_member_that_leaves_the_root_stops_the_unpack(tmp_path):
    escape = tarfile.TarInfo("../outside.txt")
    escape.size = 1
    with pytest.raises(ImageError, match=r"\.\./outside\.txt leaves the image's root"):
        unpack_layers([_raw(tmp_path, "dotdot", [escape])], tmp_path / "root")
    link = tarfile.TarInfo("var")
    link.type, link.linkname = tarfile.SYMTYPE, str(tmp_path / "elsewhere")
    (tmp_path / "elsewhere").mkdir()
    through = tarfile.TarInfo("var/task/x.py")
    through.size = 1
    with pytest.raises(ImageError, match=r"var/task/x\.py would be written outside the image's root"):
        unpack_layers([_raw(tmp_path, "link", [link]), _raw(tmp_path, "through", [through])], tmp_path / "root2")
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_a_whiteout_of_the_folder_above_is_refused(tmp_path):
    root = tmp_path / "root"
    beside = tmp_path / "beside.txt"
    beside.write_text("keep me")
    bottom = _layer(tmp_path, "bottom", {"var/task/a.py": b""})
    for name in (".wh..", ".wh...", "var/.wh.."):
        bad = tarfile.TarInfo(name)
        bad.size = 0
        with pytest.raises(ImageError, match="names no file under its folder|leaves the image's root"):
            unpack_layers([bottom, _raw(tmp_path, f"bad{len(name)}", [bad])], root)
    assert beside.read_text() == "keep me" and (root / "var" / "task" / "a.py").exists()
