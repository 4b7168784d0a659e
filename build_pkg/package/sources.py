"""Which files go into the package, walked from disk in a stable order.

Two trees are walked: functions/ (the team's code, where stray secrets and
editor files live) and the installed dependencies (where installers leave
scripts, bytecode and their own bookkeeping). Both are filtered here so the
rules sit in one place.
"""

from __future__ import annotations

import fnmatch
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import SourceError
from ..project import shown_path as _shown
from .zipwriter import normal_mode

# Never useful in Lambda, whichever tree they come from. Bytecode in particular:
# it would be for the build host's Python and is invalidated by the fixed zip time.
_ALWAYS_SKIP_DIRS = {"__pycache__"}
_ALWAYS_SKIP_FILES = ("*.pyc", "*.pyo")

_EDITOR_VCS_DIRS = {
    ".git", ".hg", ".svn", ".bzr", ".idea", ".vscode", ".mypy_cache", ".pytest_cache",
    ".ruff_cache", ".tox", ".nox", ".venv", "venv", "node_modules", ".ipynb_checkpoints",
    ".hypothesis", "htmlcov", ".pyre", ".pytype", ".ropeproject", ".benchmarks",
}
_EDITOR_VCS_FILES = (
    ".DS_Store", "Thumbs.db", "*.swp", "*.swo", "*~", ".#*", "#*#", "*.orig", "*.rej",
    ".gitignore", ".gitattributes", ".coverage", ".coverage.*", "*.bak", ".dmypy.json",
)
# Files that look like credentials: left out with a warning naming them. A symlink
# is judged by the name it points to as well as its own (conf.txt -> ../.env).
SECRET_PATTERNS = (
    ".env", ".env.*", ".envrc", "*.pem", "*.key", "*.p12", "*.pfx", "*.jks", "*.keystore",
    "*.p8", "id_rsa*", "id_dsa*", "id_ecdsa*", "id_ed25519*", "credentials", "credentials.*",
    "*.credentials", ".netrc", ".pypirc", ".npmrc", "*.kdbx", "secrets.*", "*.tfvars",
    "*.tfvars.json", ".git-credentials", ".pgpass", ".htpasswd",
)
# Folders that hold credentials as a whole: left out with one warning for the folder.
SECRET_DIRS = {".aws", ".ssh", ".gnupg", ".docker", ".kube", "secrets"}
# A cloud service-account key (Google's JSON key file) is recognised by its content:
# its name is whatever the download gave it.
_KEY_FILE_MARKERS = (b'"private_key"', b'"service_account"')
_SNIFF_MAX = 64 * 1024
# Installer bookkeeping inside *.dist-info: METADATA and entry points stay
# (importlib.metadata needs them at run time), the rest records the build host.
_INSTALLER_METADATA = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}
# Top-level names an installer writes into a --target directory.
_DEPENDENCY_TOP_SKIP = {"bin", ".lock"}


@dataclass(frozen=True)
class SourceFile:
    arcname: str  # "/"-separated path inside the zip
    path: Path  # where to read the bytes
    mode: int  # 0o644 or 0o755
    size: int = -1  # bytes, when the walk already knew them


@dataclass
class Walk:
    files: list[SourceFile] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)  # project-relative paths left out


def _matches(name: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def is_secret(name: str) -> bool:
    """By its name; a Python module never is (worker_lib/secrets.py is code that reads secrets)."""
    return not name.endswith(".py") and _matches(name, SECRET_PATTERNS)


def _holds_a_private_key(path: Path) -> bool:
    """A .pem is a secret when it holds a private key; a CA bundle (RDS's global-bundle.pem)
    is public and ships."""
    try:
        with path.open("rb") as handle:
            return b"PRIVATE KEY" in handle.read(1024 * 1024)
    except OSError:
        return True


def _is_key_file(path: Path, size: int) -> bool:
    """A service-account key: a small JSON file naming a private key of a service account."""
    if not path.name.lower().endswith(".json") or size > _SNIFF_MAX:
        return False
    try:
        data = path.read_bytes()
    except OSError:
        return False
    return all(marker in data for marker in _KEY_FILE_MARKERS)


def walk_functions(functions_dir: Path, project_root: Path) -> Walk:
    """Files under functions/, as they appear at the root of the zip."""
    result = Walk()
    root = project_root.resolve()
    _walk(functions_dir, "", root, result, set(), project_root)
    result.files.sort(key=lambda f: f.arcname)
    return result


def _walk(directory: Path, prefix: str, root: Path, result: Walk, active: set[Path], project_root: Path) -> None:
    real = directory.resolve()
    if real in active:  # a symlink loop inside the repo
        raise SourceError(f"{_shown(directory, project_root)} is part of a symlink loop; remove the link")
    active = active | {real}
    with os.scandir(directory) as it:
        entries = sorted(it, key=lambda e: e.name)
    for entry in entries:
        path = Path(entry.path)
        _check_utf8(entry.name, path, project_root)
        shown = _shown(path, project_root)
        link_name = None
        if entry.is_symlink():
            target = path.resolve()
            if not target.exists():
                raise SourceError(f"{shown} is a broken symlink; fix or remove it")
            link_name = target.name
            if is_secret(link_name) or (target.is_dir() and link_name in SECRET_DIRS):
                result.secrets.append(f"{shown} (a link to {os.readlink(path)})")
                continue
            if not target.is_relative_to(root):
                raise SourceError(
                    f"{shown} is a symlink to {os.readlink(path)}, outside the repository; "
                    "copy the file into functions/ or remove the link"
                )
        if entry.is_dir():
            if entry.name in _ALWAYS_SKIP_DIRS or entry.name in _EDITOR_VCS_DIRS or entry.name.endswith(".egg-info"):
                continue
            if entry.name in SECRET_DIRS and not (path / "__init__.py").is_file():  # a package is code
                result.secrets.append(f"{shown}/")
                continue
            _walk(path, f"{prefix}{entry.name}/", root, result, active, project_root)
            continue
        if _matches(entry.name, _ALWAYS_SKIP_FILES):
            if entry.name.endswith(".pyc"):  # (Python 3 imports no .pyo at all)
                _check_has_source(entry.name, path, shown)
            continue
        if _matches(entry.name, _EDITOR_VCS_FILES):
            continue
        if is_secret(entry.name) and not (entry.name.lower().endswith((".pem", ".crt"))
                                          and not _holds_a_private_key(path)):
            result.secrets.append(shown)
            continue
        st = entry.stat()  # follows links: the target's mode
        if not stat.S_ISREG(st.st_mode):
            continue
        if _is_key_file(path, st.st_size):
            result.secrets.append(shown)
            continue
        result.files.append(SourceFile(prefix + entry.name, path, _first_party_mode(path)))


def _first_party_mode(path: Path) -> int:
    """0755 for what Lambda would execute (a script with #!, an ELF binary), 0644 for the
    rest, whatever the file system says: a checkout where every file looks executable (WSL,
    SMB mounts, core.fileMode false) must give the same zip and identities as any other."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4)
    except OSError:
        return 0o644
    return 0o755 if head.startswith(b"#!") or head == b"\x7fELF" else 0o644


def _check_has_source(name: str, path: Path, shown: str) -> None:
    """Bytecode is left out, which is right only where its source goes in: Python imports a
    sourceless module.pyc beside the code, so dropping one would break its importers."""
    source = path.with_name(name.rsplit(".", 1)[0] + ".py")
    if not source.exists():
        raise SourceError(f"{shown} is bytecode with no {source.name} beside it, and the package holds "
                          f"sources only (bytecode is for one Python version); add {source.name} or delete it")


def _check_utf8(name: str, path: Path, project_root: Path) -> None:
    """Zip entry names are UTF-8 here; a name the file system holds in another encoding
    (Python sees it with surrogate escapes) cannot be one."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        shown = os.fsencode(_shown(path, project_root)).decode("utf-8", "backslashreplace")
        raise SourceError(f"{shown}: the file name is not valid UTF-8; rename it "
                          "(the package's file names must be UTF-8)") from None


def walk_dependencies(target_dir: Path) -> list[SourceFile]:
    """Files an installer put into a --target directory, minus what Lambda never needs."""
    files: list[SourceFile] = []
    _walk_installed(str(target_dir), "", files)
    files.sort(key=lambda f: f.arcname)
    return files


def _walk_installed(directory: str, prefix: str, files: list[SourceFile]) -> None:
    # os.scandir: one stat per file (thousands of them in a dependency tree), no Path per folder.
    in_dist_info = prefix.count("/") == 1 and prefix.rstrip("/").endswith(".dist-info")
    with os.scandir(directory) as it:
        for entry in it:
            name = entry.name
            if entry.is_dir(follow_symlinks=False):
                if name in _ALWAYS_SKIP_DIRS or (not prefix and name in _DEPENDENCY_TOP_SKIP):
                    continue
                _walk_installed(entry.path, f"{prefix}{name}/", files)
                continue
            if not prefix and name in _DEPENDENCY_TOP_SKIP:
                continue
            if _matches(name, _ALWAYS_SKIP_FILES) or (in_dist_info and name in _INSTALLER_METADATA):
                continue
            st = entry.stat()
            if stat.S_ISREG(st.st_mode):
                files.append(SourceFile(prefix + name, Path(entry.path), normal_mode(st.st_mode), st.st_size))
