"""Shell completion as the README sets it up: `completion bash` written to a file and sourced
in a real bash, completing commands, options and function names of ./build-pkg.py."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from builder_support import REPO, WorkerRepo


@pytest.fixture(scope="module")
def script(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("completion") / "build-pkg.bash"
    proc = subprocess.run([str(REPO / "build-pkg.py"), "completion", "bash"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    path.write_text(proc.stdout)
    return str(path)


def _bash(script: str, body: str, cwd) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/root")}  # no environment activated
    return subprocess.run(["bash", "--norc", "--noprofile", "-c", f". {script}\n{body}"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)


def _complete(script: str, *words: str, cwd=REPO, command: str = "./build-pkg.py") -> list[str]:
    body = (f"COMP_WORDS=({' '.join(words)}); COMP_CWORD={len(words) - 1}\n"
            f'_build_pkgpy_completion {command}\nprintf "%s\\n" "${{COMPREPLY[@]}}"\n')
    proc = _bash(script, body, cwd)
    assert proc.returncode == 0 and not proc.stderr, proc.stderr
    return proc.stdout.split()


def test_bash_completes_commands_and_their_options(script):
    assert "build" in _complete(script, "./build-pkg.py", "bu")
    assert set(_complete(script, "./build-pkg.py", "")) >= {"build", "adopt", "size", "invoke", "validate"}
    assert _complete(script, "./build-pkg.py", "build", "--la") == ["--layer"]
    assert "--html" in _complete(script, "./build-pkg.py", "size", "--")


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> WorkerRepo:
    """The example repository with the builder's script beside it, as a clone has it."""
    repo = WorkerRepo(tmp_path_factory.mktemp("completion-repo") / "repo")
    (repo.root / "build-pkg.py").symlink_to(REPO / "build-pkg.py")
    return repo


@pytest.mark.parametrize("command", ["invoke", "tf", "canary", "promote", "rollback", "status", "prune"])
def test_function_names_complete_from_inside_the_repository(script, example, command):
    words = ["../build-pkg.py", command, "pro"]
    assert _complete(script, *words, cwd=example.root / "functions", command="../build-pkg.py") == ["process_checker"]


def test_sourcing_the_script_outside_the_repository_prints_nothing(script, tmp_path):
    proc = _bash(script, "true", tmp_path)
    assert proc.returncode == 0 and proc.stdout == "" and proc.stderr == ""


def test_a_tab_where_the_command_cannot_run_completes_nothing_and_prints_nothing(script, tmp_path):
    """Outside the repository ./build-pkg.py is not there; in a clone without .venv it says
    to run `make build`: neither may print over the command line."""
    assert _complete(script, "./build-pkg.py", "inv", cwd=tmp_path) == []
    clone = tmp_path / "clone"
    clone.mkdir()
    shutil.copy(REPO / "build-pkg.py", clone / "build-pkg.py")
    assert _complete(script, "./build-pkg.py", "inv", cwd=clone) == []


def test_zsh_gets_a_script_too():
    proc = subprocess.run([str(REPO / "build-pkg.py"), "completion", "zsh"], capture_output=True, text=True)
    assert proc.returncode == 0
    assert proc.stdout.startswith("#compdef build-pkg.py") and "_build_pkgpy_completion" in proc.stdout
    # it runs what was typed (./build-pkg.py), not a build-pkg.py that PATH does not have
    assert "_BUILD_PKG_COMPLETE=zsh_complete ${words[1]} 2>/dev/null" in proc.stdout
