"""Packages published only as source: built from their hash-checked sdist, accepted
only when the result is pure Python.

Old pins of pure-Python packages (docopt 0.6.2, termcolor 1.1.0, ...) never
shipped a wheel. uv builds them from the sdist whose sha256 the lock holds, in an
isolated build environment, and the result is accepted only when every wheel tag
is `*-none-any`, the wheel is purelib and no shared object came out: a wheel
built on this host for this host's Python would not run on Lambda. Everything
that cannot be built pure is named in one message with a fix that works.
"""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

from ..errors import InstallError
from .advice import fix_for
from .elf import elf_machine
from .lockfile import LockedPackage
from .target import Target

# uv's words when --no-build meets a package with no wheel for the target.
_NO_WHEEL = ("has no usable wheels", "building from source is disabled", "no wheels", "no binary distribution",
             "doesn't have a wheel")


def is_no_wheel(stderr: str) -> bool:
    return any(marker in stderr for marker in _NO_WHEEL)


def find_source_only(packages: list[LockedPackage], probe: Callable[[LockedPackage], str | None]) -> list[LockedPackage]:
    """The packages whose probe (an install with --no-build) says they have no wheel.

    `probe(package)` returns None on success or uv's stderr on failure; a failure
    for any other reason is re-raised by the caller's explanation.
    """
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(probe, packages))
    return [p for p, stderr in zip(packages, results) if stderr is not None and is_no_wheel(stderr)]


def pure_problem(site: Path) -> str | None:
    """Why what an installer put into `site` is not pure Python, or None."""
    for wheel in site.glob("*.dist-info/WHEEL"):
        fields = [line.partition(":") for line in wheel.read_text(errors="replace").splitlines()]
        tags = [value.strip() for key, _, value in fields if key.strip() == "Tag"]
        purelib = any(key.strip() == "Root-Is-Purelib" and value.strip().lower() == "true" for key, _, value in fields)
        impure = [t for t in tags if not t.endswith("-none-any")]
        if impure or not purelib:
            return f"builds a platform wheel ({', '.join(impure) or 'not purelib'})"
    for path in site.rglob("*"):
        if path.is_file() and (".so" in path.name or path.suffix == ".pyd"):
            with path.open("rb") as f:
                if elf_machine(f.read(20)) or path.suffix == ".pyd":
                    return f"builds a compiled extension ({path.relative_to(site).as_posix()})"
    return None


def build_pure(packages: list[LockedPackage], site: Path, work: Path, target: Target, lock_name: str,
               install: Callable[[LockedPackage, Path], str | None]) -> None:
    """Build each source-only package into its own folder, check it is pure, merge it into `site`.

    `install(package, folder)` runs the installer with builds allowed and returns
    None or its stderr. All failures are collected and reported together.
    """
    folders = {p.name: work / f"sdist-{p.name}" for p in packages}
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda p: install(p, folders[p.name]), packages))
    refused = []
    for package, stderr in zip(packages, results):
        reason = _first_cause(stderr) if stderr is not None else pure_problem(folders[package.name])
        if reason:
            refused.append(f"{package.name}{package.version or ''} ({reason}: {fix_for(package.name, _desc(target))})")
    if refused:
        raise InstallError(
            f"{lock_name}: {len(refused)} package(s) published only as source do not build as pure Python "
            f"for {target}: {'; '.join(refused)}"
        )
    for package in packages:
        _merge(folders[package.name], site)


def _desc(target: Target) -> str:
    return f"{target.runtime} on {target.arch} ({target.uv_platform})"


def _first_cause(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    causes = [line.removeprefix("cause:").strip() for line in lines if line.startswith("cause:")]
    errors = [line.removeprefix("error:").strip() for line in lines if line.startswith("error:")]
    text = (causes or errors or lines or ["the build failed"])[-1 if causes else 0]
    return f"does not build: {text[:200]}"


def _merge(source: Path, site: Path) -> None:
    for path in sorted(source.rglob("*")):
        target = site / path.relative_to(source)
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(path), target)
