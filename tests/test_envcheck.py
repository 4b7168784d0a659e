"""build_pkg.envcheck: CI trusts a .venv restored from its cache only when it is the lock's,
package by package and file by file (the RECORD hashes pip wrote)."""

from __future__ import annotations

import json
import subprocess
import sys
import venv

from builder_support import REPO, WORKER


def _check(python: str, lock) -> subprocess.CompletedProcess:
    return subprocess.run([python, "-m", "build_pkg.envcheck", str(lock)], capture_output=True, text=True,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})


def test_this_environment_is_its_lock(tmp_path):
    proc = _check(sys.executable, REPO / "Pipfile.lock")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip().endswith("is the environment Pipfile.lock describes")


def test_another_version_in_the_lock_is_refused(tmp_path):
    lock = json.loads((REPO / "Pipfile.lock").read_text())
    lock["develop"]["click"]["version"] = "==0.1"
    path = tmp_path / "Pipfile.lock"
    path.write_text(json.dumps(lock))
    proc = _check(sys.executable, path)
    assert proc.returncode == 1
    [line] = proc.stderr.strip().splitlines()
    assert "is not the environment Pipfile.lock describes: click is " in line and "the lock says 0.1" in line


def test_a_changed_or_missing_file_is_refused(tmp_path):
    """A small environment of its own: six and packaging installed by uv from the locks' hashes."""
    from uv import find_uv_bin

    env = tmp_path / "env"
    venv.create(env, with_pip=False)
    python = str(env / "bin" / "python")
    lock = {"default": {"six": json.loads((WORKER / "Pipfile.lock").read_text())["default"]["six"]},
            "develop": {"packaging": json.loads((REPO / "Pipfile.lock").read_text())["develop"]["packaging"]}}
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("".join(f"{name}{entry['version']} " + " ".join(f"--hash={h}" for h in entry["hashes"])
                                    + "\n" for section in lock.values() for name, entry in section.items()))
    # Copies, not links into uv's cache: the test changes an installed file.
    subprocess.run([find_uv_bin(), "pip", "install", "--python", python, "--require-hashes", "--no-deps", "-q",
                    "--link-mode", "copy",
                    "-r", str(requirements)], check=True, capture_output=True)
    path = tmp_path / "Pipfile.lock"
    path.write_text(json.dumps(lock))
    assert _check(python, path).returncode == 0

    six = next((env / "lib").glob("python3.*/site-packages/six.py"))
    six.write_text(six.read_text() + "\n# changed after the install\n")
    changed = _check(python, path)
    assert changed.returncode == 1 and "six: six.py is not the file its installer wrote" in changed.stderr
    six.unlink()
    assert "six: six.py is missing" in _check(python, path).stderr
