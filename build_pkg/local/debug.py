"""Running a function under a debugger: the runtime process starts debugpy (from the
builder's dev packages, never the zip) listening on 127.0.0.1:PORT and waits for the
editor to attach before the handler is imported, so breakpoints in module code hit too.

The function runs from its task root (a copy of the package), not from functions/: the
runtime is told the mapping (pydevd's PATHS_FROM_ECLIPSE_TO_PYTHON), so an editor sets
breakpoints in functions/ and sees the frames there, with no path mapping of its own.
While a debugger may hold a function, the init limit and the function's timeout are an
hour: stepping through a handler must not time it out.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..cache import cache_root
from ..errors import UsageError

DEBUG_LIMIT_S = 3600

_HOOK = """
import os as _os, sys as _sys
_os.environ["PATHS_FROM_ECLIPSE_TO_PYTHON"] = {mapping!r}
_sys.path.append({folder!r})
import debugpy as _debugpy
_debugpy.listen(("127.0.0.1", {port}))
print("debugger: listening on 127.0.0.1:{port}; attach your editor (the task root {task} is mapped to {local})",
      file=_sys.stderr, flush=True)
_debugpy.wait_for_client()
"""


def check_port(port: int, serving: int | None = None) -> None:
    """--debug-port is free (and not the server's own --port): said before the build, not as
    a debugpy traceback in the runtime."""
    import socket

    if serving and port == serving:
        raise UsageError(f"--debug-port {port} is the server's --port too; pick another")
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            raise UsageError(f"--debug-port {port}: 127.0.0.1:{port} is not free ({exc.strerror}); pick another") \
                from None


def debugpy_folder() -> Path:
    """A folder holding debugpy alone (a link to the builder's copy): what the runtime's
    import path gains, so the function sees no other package of the builder's."""
    try:
        import debugpy
    except ImportError:
        raise UsageError("--debug-port needs debugpy in the builder's environment: make add-dev PACKAGE=debugpy") \
            from None
    source = Path(debugpy.__file__).resolve().parent
    folder = cache_root() / "debugpy" / debugpy.__version__
    link = folder / "debugpy"
    if not link.exists():
        folder.mkdir(parents=True, exist_ok=True)
        temporary = folder / f".debugpy.{os.getpid()}"
        temporary.unlink(missing_ok=True)
        temporary.symlink_to(source, target_is_directory=True)
        os.replace(temporary, link)  # two runs at once: one link wins, both are the same
    return folder


def hook(port: int, functions_dir: Path, task: Path) -> str:
    """Code the runtime process runs first: debugpy listening, then waiting for the editor."""
    mapping = json.dumps([[str(functions_dir), str(task)]])
    return _HOOK.format(mapping=mapping, folder=str(debugpy_folder()), port=port, local=str(functions_dir),
                        task=str(task))
