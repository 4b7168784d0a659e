"""The dependency cache keeps each locked package apart: a lock change installs only
what it changed, and the zip assembled from cached parts equals a build from nothing."""

from __future__ import annotations

import json
import re
import zipfile

from builder_support import WorkerRepo, run_build_pkg, sha256_of

# six 1.16.0's wheel, as the index publishes it: a real older version to bump to.
SIX_1_16 = {"hashes": ["sha256:8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254"],
            "version": "==1.16.0"}


def _bump_six(repo: WorkerRepo) -> None:
    lock = repo.lock()
    lock["default"]["six"] = dict(lock["default"]["six"], **SIX_1_16)
    repo.write_lock(lock)


def test_bumping_one_package_installs_and_packs_only_that_package(tmp_path):
    repo = WorkerRepo(tmp_path / "repo")
    cache = {"BUILD_PKG_CACHE_DIR": str(tmp_path / "cache")}
    first = run_build_pkg("-C", str(repo.root), "build", env=cache)
    assert first.returncode == 0, first.stderr
    packages = len(repo.lock()["default"])
    entries = {p.name for p in (tmp_path / "cache" / "deps").iterdir()}  # the builder has exited: no scratch
    assert len(entries) == packages

    _bump_six(repo)
    bumped = run_build_pkg("-C", str(repo.root), "-v", "build", env=cache)
    assert bumped.returncode == 0, bumped.stderr
    assert f"{packages - 1} of {packages} cached; installing 1 package (six==1.16.0)" in bumped.stderr
    # The installer saw one package (uv prints "+ NAME==VERSION" for each it installs).
    assert re.findall(r"uv: +\+ (\S+)", bumped.stderr) == ["six==1.16.0"], bumped.stderr
    new_entries = {p.name for p in (tmp_path / "cache" / "deps").iterdir()} - entries
    assert len(new_entries) == 1
    [index] = [json.loads((tmp_path / "cache" / "deps" / e / "index.json").read_text()) for e in new_entries]
    assert (index["name"], index["version"]) == ("six", "1.16.0")
    with zipfile.ZipFile(repo.zip_path) as archive:
        names = archive.namelist()
    assert "six-1.16.0.dist-info/METADATA" in names and not [n for n in names if n.startswith("six-1.17.0")]

    # Assembled from twelve old entries and one new one, the zip is the zip of a build from nothing.
    fresh = WorkerRepo(tmp_path / "fresh")
    _bump_six(fresh)
    scratch = run_build_pkg("-C", str(fresh.root), "build", env={"BUILD_PKG_CACHE_DIR": str(tmp_path / "empty")})
    assert scratch.returncode == 0, scratch.stderr
    assert sha256_of(fresh.zip_path) == sha256_of(repo.zip_path)


def test_with_an_empty_installer_cache_the_offline_try_falls_back_to_the_index(tmp_path):
    repo = WorkerRepo(tmp_path / "repo")
    repo.keep_only("six", "idna")
    env = {"BUILD_PKG_CACHE_DIR": str(tmp_path / "cache"), "UV_CACHE_DIR": str(tmp_path / "uv-empty")}
    built = run_build_pkg("-C", str(repo.root), "-v", "build", env=env)
    assert built.returncode == 0, built.stderr
    assert "uv: not all of it is in uv's cache (expected on a first install); from the index now" in built.stderr
    assert "error:" not in built.stderr  # the expected miss is not shown as an error
    assert "+ six==1.17.0" in built.stderr
    with zipfile.ZipFile(repo.zip_path) as archive:
        assert "six.py" in archive.namelist() and "idna/__init__.py" in archive.namelist()
