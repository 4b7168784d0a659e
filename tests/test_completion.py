"""Shell completion as the README sets it up: the script click generates, sourced in a real
bash, completing commands and options of ./build-pkg.py."""

from __future__ import annotations

import os
import subprocess

from conftest import REPO

SETUP = ('eval "$(_BUILD_PKG_COMPLETE=bash_source ./build-pkg.py)"\n'
         "complete -o nosort -F _build_pkgpy_completion ./build-pkg.py\n")


def _complete(*words: str) -> list[str]:
    script = SETUP + (f"COMP_WORDS=({' '.join(words)}); COMP_CWORD={len(words) - 1}\n"
                      '_build_pkgpy_completion ./build-pkg.py\nprintf "%s\\n" "${COMPREPLY[@]}"\n')
    env = {**os.environ, "PATH": f"{REPO / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


def test_bash_completes_commands_and_their_options():
    assert "build" in _complete("./build-pkg.py", "bu")
    assert set(_complete("./build-pkg.py", "")) >= {"build", "adopt", "size", "invoke", "validate"}
    assert _complete("./build-pkg.py", "build", "--la") == ["--layer"]
    assert "--html" in _complete("./build-pkg.py", "size", "--")


def test_zsh_gets_a_script_too():
    proc = subprocess.run([str(REPO / ".venv" / "bin" / "python"), str(REPO / "build-pkg.py")],
                          env={**os.environ, "_BUILD_PKG_COMPLETE": "zsh_source"}, capture_output=True, text=True)
    assert proc.returncode == 0
    assert proc.stdout.startswith("#compdef build-pkg.py") and "_build_pkgpy_completion" in proc.stdout
