"""The Lambda platform a package is built for: runtime (Python version) and architecture."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import TargetError
from .runtimes import RUNTIMES, Runtime

ARCHES = ("x86_64", "arm64")

# Lambda's names for the architecture -> the machine name that wheels and ELF use.
_MACHINE = {"x86_64": "x86_64", "arm64": "aarch64"}

_RUNTIME_RE = re.compile(r"^python(3)\.(\d+)$")


@dataclass(frozen=True)
class Target:
    runtime: str  # "python3.12"
    arch: str  # "x86_64" | "arm64"

    @classmethod
    def parse(cls, runtime: str, arch: str, source: str = "--runtime") -> "Target":
        """`source` says where the value came from, for the message when it is wrong."""
        if not _RUNTIME_RE.match(runtime) or runtime not in RUNTIMES:
            minors = sorted(int(r.split(".")[1]) for r in RUNTIMES)
            raise TargetError(
                f"{source}: {runtime!r} is not a Lambda Python runtime (python3.{minors[0]} to python3.{minors[-1]}); "
                "set [requires] python_version in the Pipfile or pass --runtime"
            )
        if arch not in ARCHES:
            raise TargetError(f"architecture {arch!r} is not one of {', '.join(ARCHES)}")
        return cls(runtime, arch)

    @property
    def info(self) -> Runtime:
        return RUNTIMES[self.runtime]

    @property
    def python_version(self) -> str:
        return self.runtime.removeprefix("python")

    @property
    def full_version(self) -> str:
        """The runtime's patch release ("3.12.11"): what markers are evaluated with and what the
        installer is told, so a `Requires-Python >=3.11.5` wheel chosen by the lock installs."""
        return self.info.patch

    @property
    def version_tuple(self) -> tuple[int, int]:
        major, minor = self.python_version.split(".")
        return int(major), int(minor)

    @property
    def machine(self) -> str:
        return _MACHINE[self.arch]

    @property
    def uv_platform(self) -> str:
        """The value for `uv pip install --python-platform`.

        Amazon Linux 2023 runtimes (3.12+) have glibc 2.34; on Amazon Linux 2
        (glibc 2.26) manylinux2014 (glibc 2.17) is the safe tag.
        """
        if self.info.amazon_linux >= 2023:
            return f"{self.machine}-manylinux_2_34"
        return f"{self.machine}-manylinux2014"

    def marker_environment(self) -> dict[str, str]:
        """PEP 508 marker values as Lambda's runtime reports them (its patch release, not X.Y.0)."""
        return {
            "implementation_name": "cpython",
            "implementation_version": self.full_version,
            "os_name": "posix",
            "platform_machine": self.machine,
            "platform_python_implementation": "CPython",
            "platform_release": "",
            "platform_system": "Linux",
            "platform_version": "",
            "python_full_version": self.full_version,
            "python_version": self.python_version,
            "sys_platform": "linux",
        }

    def __str__(self) -> str:
        return f"{self.runtime} {self.arch}"
