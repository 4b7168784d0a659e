"""Progress on a terminal: bars (tqdm) on stderr for installing, compressing and Terraform;
without a terminal, the plain lines as before."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios

from builder_support import BUILD_PKG, WorkerRepo


def _on_a_terminal(args: list[str], env: dict) -> tuple[int, str]:
    """Run build-pkg with stderr on a pseudo-terminal; return its exit code and what it showed."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))  # a 120-column terminal
    proc = subprocess.Popen([sys.executable, str(BUILD_PKG), *args], stdout=subprocess.DEVNULL, stderr=slave,
                            stdin=subprocess.DEVNULL, env={**os.environ, **env})
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return proc.wait(), b"".join(chunks).decode("utf-8", "replace")


def test_bars_on_a_terminal_and_plain_lines_without_one(tmp_path):
    repo = WorkerRepo(tmp_path / "repo")
    repo.keep_only("six", "requests", "urllib3", "idna", "certifi", "charset-normalizer")
    code, shown = _on_a_terminal(["-C", str(repo.root), "build"], {"BUILD_PKG_CACHE_DIR": str(tmp_path / "a")})
    assert code == 0, shown
    assert "\r" in shown.replace("\r\n", "")  # a bar redraws its line
    assert "installing 6 packages [00:0" in shown  # the time elapsed while uv works
    assert "compressing:" in shown and "%|" in shown and "files/s]" in shown  # a bar over the files

    plain = subprocess.run([sys.executable, str(BUILD_PKG), "-C", str(repo.root), "build", "--force"],
                           capture_output=True, text=True, env={**os.environ, "BUILD_PKG_CACHE_DIR": str(tmp_path / "b")})
    assert plain.returncode == 0, plain.stderr
    assert "\r" not in plain.stderr and "%|" not in plain.stderr
    assert "dependencies: installing 6 packages" in plain.stderr

    code, shown = _on_a_terminal(["-C", str(repo.root), "validate"], {"BUILD_PKG_CACHE_DIR": str(tmp_path / "a")})
    assert code == 0, shown
    assert "terraform plan:" in shown and "resources [" in shown
    assert "Plan:" in shown  # Terraform's own lines still pass through, above the bar
