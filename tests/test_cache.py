"""The one cache helper, with real processes: concurrent builders, killed builders,
and eviction that never removes an entry another process is reading."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from builder_support import REPO

from build_pkg.cache import ensure_entry, evict_least_recent, in_use, sweep


def _python(code: str, *args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *args], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def _reading(entry: Path) -> subprocess.Popen:
    """Another process that holds `entry` in use (as a running invoke does) until killed."""
    reader = _python("""
        import sys, time
        from pathlib import Path
        from build_pkg.cache import in_use
        with in_use(Path(sys.argv[1])):
            print("reading", flush=True)
            time.sleep(60)
    """, str(entry))
    assert reader.stdout.readline().strip() == "reading"
    return reader


BUILDER = """
    import sys, time
    from pathlib import Path
    from build_pkg.cache import ensure_entry

    def build(work):
        (work / "payload").write_text(sys.argv[2])
        time.sleep(0.5)  # both processes are inside build() at once

    entry = ensure_entry(Path(sys.argv[1]), build)
    print((entry / "payload").read_text())
"""


def test_two_processes_building_one_entry_both_succeed(tmp_path):
    entry = tmp_path / "deps" / "key"
    first, second = _python(BUILDER, str(entry), "first"), _python(BUILDER, str(entry), "second")
    outputs = [p.communicate(timeout=30) for p in (first, second)]
    assert [p.returncode for p in (first, second)] == [0, 0], outputs
    # Whichever rename won, both processes read that one finished entry.
    winner = (entry / "payload").read_text()
    assert winner in ("first", "second")
    assert [o.strip() for o, _ in outputs] == [winner, winner]
    assert sorted(p.name for p in entry.parent.iterdir()) == ["key"]  # no temporary directory left


def test_a_failed_build_leaves_nothing(tmp_path):
    entry = tmp_path / "key"

    def build(work: Path) -> None:
        (work / "half").write_text("x")
        raise RuntimeError("installer failed")

    try:
        ensure_entry(entry, build)
    except RuntimeError:
        pass
    assert not entry.exists() and list(tmp_path.iterdir()) == []


def test_temporary_directories_of_a_killed_builder_are_swept(tmp_path):
    entry = tmp_path / "key"
    slow = _python("""
        import sys, time
        from pathlib import Path
        from build_pkg.cache import ensure_entry
        def build(work):
            (work / "part").write_text("x")
            print("building", flush=True)
            time.sleep(60)
        ensure_entry(Path(sys.argv[1]), build)
    """, str(entry))
    assert slow.stdout.readline().strip() == "building"
    [left] = [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]
    # A live builder's directory is not touched.
    assert sweep(tmp_path) == [] and left.exists()
    slow.send_signal(signal.SIGKILL)
    slow.wait()
    assert left.exists()  # the kill left it behind...
    ensure_entry(entry, lambda work: (work / "payload").write_text("ok"))
    assert not left.exists()  # ...and the next builder swept it
    assert (entry / "payload").read_text() == "ok"


def test_eviction_skips_an_entry_another_process_is_using(tmp_path):
    base = tmp_path / "task"
    entries = {}
    for name in ("old-in-use", "old-idle", "newest"):
        entries[name] = ensure_entry(base / name, lambda work: (work / "f").write_text("x"))
        with in_use(entries[name]):
            pass
        time.sleep(0.02)  # distinct use times
    reader = _reading(entries["old-in-use"])
    try:
        # keep=0: every entry is a candidate; only the lock protects the one being read.
        removed = evict_least_recent(base, keep=0)
        assert sorted(removed) == sorted([entries["old-idle"], entries["newest"]])
        assert (entries["old-in-use"] / "f").read_text() == "x"
    finally:
        reader.kill()
        reader.wait()
    assert evict_least_recent(base, keep=0) == [entries["old-in-use"]]
    assert not entries["old-in-use"].exists()


def test_read_only_entries_are_evicted_whole(tmp_path):
    base = tmp_path / "task"

    def build(work: Path) -> None:
        (work / "pkg").mkdir()
        (work / "pkg" / "mod.py").write_text("x = 1\n")
        for path in (work / "pkg" / "mod.py", work / "pkg", work):
            path.chmod(0o444 if path.is_file() else 0o555)

    entry = ensure_entry(base / "a", build)
    with in_use(entry):
        pass
    assert evict_least_recent(base, keep=0) == [entry]
    assert sorted(p.name for p in base.iterdir()) == []


def _entry(root: Path, kind: str, name: str, size: int, used: float) -> Path:
    entry = ensure_entry(root / kind / name, lambda work: (work / "data").write_bytes(b"x" * size))
    os.utime(entry, (used, used))
    return entry


def test_cache_shows_sizes_by_kind_and_entry(tmp_path, monkeypatch, cli):
    monkeypatch.setenv("BUILD_PKG_CACHE_DIR", str(tmp_path))
    now = time.time()
    _entry(tmp_path, "deps", "a" * 64, 3000, now)
    _entry(tmp_path, "deps", "b" * 64, 1000, now - 10)
    _entry(tmp_path, "task", "c" * 24, 500, now - 20)
    shown = json.loads(cli("cache", "--json").stdout)
    assert shown["bytes"] == 4500
    assert shown["kinds"] == {"deps": {"entries": 2, "bytes": 4000}, "task": {"entries": 1, "bytes": 500}}
    assert [(e["kind"], e["bytes"]) for e in shown["entries"]] == [("deps", 3000), ("deps", 1000), ("task", 500)]
    text = cli("cache", "--entries").stdout
    assert "deps" in text and "2 entries" in text and "a" * 40 in text


def test_cache_prune_keeps_the_most_recent_within_the_budget(tmp_path, monkeypatch, cli):
    monkeypatch.setenv("BUILD_PKG_CACHE_DIR", str(tmp_path))
    now = time.time()
    newest = _entry(tmp_path, "deps", "new", 3000, now)
    older = _entry(tmp_path, "deps", "older", 3000, now - 100)
    in_use_entry = _entry(tmp_path, "task", "busy", 3000, now - 200)
    ancient = _entry(tmp_path, "runtime-client", "ancient", 10, now - 40 * 86400)
    dead = tmp_path / "deps" / ".tmp-999999999-left"  # a pid that cannot exist
    dead.mkdir()
    reader = _reading(in_use_entry)
    try:
        os.utime(tmp_path / "task" / "busy.lock", (now - 200, now - 200))
        result = json.loads(cli("cache", "prune", "--max-size", "4K", "--json").stdout)
    finally:
        reader.kill()
        reader.wait()
    assert [e["name"] for e in result["kept"]] == ["new"]
    assert sorted(e["name"] for e in result["removed"]) == ["ancient", "older"]
    assert [e["name"] for e in result["in_use"]] == ["busy"]
    assert result["swept"] == [str(dead)]
    assert newest.exists() and in_use_entry.exists() and not older.exists() and not ancient.exists()
    assert not dead.exists()


def test_cache_prune_refuses_a_size_it_cannot_read(cli):
    result = cli("cache", "prune", "--max-size", "lots")
    assert result.exit_code == 2 and "'lots' is not a size like 500M or 2G" in result.stderr


def test_ctrl_c_while_the_scratch_tree_is_removed_at_exit_is_one_line_and_130(tmp_path):
    """The removal runs on after the work is done; a Ctrl-C while the process waits for it
    at exit is `interrupted` and 130, not a traceback out of threading's shutdown."""
    proc = _python("""
        import sys, time
        from pathlib import Path
        import build_pkg.cache as cache
        cache.remove_tree = lambda path: time.sleep(30)  # a slow disk's thousands of files
        with cache.scratch(Path(sys.argv[1])) as work:
            (work / "f").write_text("x")
        print("done", flush=True)
    """, str(tmp_path / "scratch"), start_new_session=True)
    assert proc.stdout.readline().strip() == "done"
    time.sleep(0.3)  # now in the wait at exit
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert err.strip().splitlines() == ["interrupted (the next build removes the scratch files left)"]


def test_ctrl_c_during_a_command_is_one_line_and_130(worker_repo):
    proc = _python("""
        import sys, time
        import build_pkg.infra.check as check
        check.check_project = lambda *args, **kwargs: (print("checking", flush=True), time.sleep(30))
        from build_pkg.cli import main
        main(["-C", sys.argv[1], "check"], prog_name="build-pkg.py")
    """, str(worker_repo.root), start_new_session=True)
    assert proc.stdout.readline().strip() == "checking"
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert err.splitlines() == ["interrupted"] and "Aborted" not in err  # no blank line down a pipe
