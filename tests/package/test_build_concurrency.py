"""Builds at the same time, with real processes: one repository, and two repositories
sharing one cache."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
import zipfile

from builder_support import BUILD_PKG, REPO, WorkerRepo, sha256_of


def _start_build(repo: WorkerRepo, env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(BUILD_PKG), "-C", str(repo.root), "build", "--force"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **env})


def test_two_builds_of_one_repository_leave_a_matching_zip_and_manifest(small_repo):
    for round_ in range(2):
        builds = [_start_build(small_repo, {"SOURCE_DATE_EPOCH": str(1_700_000_000 + 86400 * (i + 2 * round_))})
                  for i in range(2)]
        outputs = [b.communicate(timeout=120) for b in builds]
        assert [b.returncode for b in builds] == [0, 0], outputs
        manifest = small_repo.manifest()
        assert manifest["sha256"] == sha256_of(small_repo.zip_path)
        with zipfile.ZipFile(small_repo.zip_path) as archive:
            info = archive.infolist()[0]
        stamp = manifest["zip_timestamp"]
        assert (info.date_time[3] << 11 | info.date_time[4] << 5 | info.date_time[5] // 2) == stamp[0]


def test_a_build_waits_for_the_one_already_running(small_repo):
    """The lock is held, so the build says it waits and finishes only after release."""
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent("""
        import hashlib, sys, time
        from pathlib import Path
        from build_pkg.cache import exclusive
        name = "build-" + hashlib.sha256(str(Path(sys.argv[1]).resolve()).encode()).hexdigest()[:16]
        with exclusive(name):
            print("holding", flush=True)
            sys.stdin.readline()
    """), str(small_repo.root)], cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        build = _start_build(small_repo, {})
        try:
            build.wait(timeout=3)
            raise AssertionError("the build did not wait for the lock")
        except subprocess.TimeoutExpired:
            pass
        holder.stdin.write("\n")
        holder.stdin.flush()
        out, err = build.communicate(timeout=120)
        assert build.returncode == 0, err
        assert f"waiting for another build of {small_repo.root} to finish" in err
    finally:
        holder.kill()
        holder.wait()


def test_two_repositories_sharing_an_empty_cache_both_build(tmp_path):
    repos = [WorkerRepo(tmp_path / f"repo{i}") for i in range(2)]
    for repo in repos:
        repo.keep_only("six", "requests", "urllib3", "idna", "certifi", "charset-normalizer")
    env = {"BUILD_PKG_CACHE_DIR": str(tmp_path / "shared-cache")}
    builds = [_start_build(repo, env) for repo in repos]
    outputs = [b.communicate(timeout=300) for b in builds]
    assert [b.returncode for b in builds] == [0, 0], outputs
    assert sha256_of(repos[0].zip_path) == sha256_of(repos[1].zip_path)
    # One finished entry per package: the second builder accepted the first one's, and left
    # no temporary directory.
    assert len(list((tmp_path / "shared-cache" / "deps").iterdir())) == 6
    for repo in repos:
        assert hashlib.sha256(repo.zip_path.read_bytes()).hexdigest() == repo.manifest()["sha256"]
