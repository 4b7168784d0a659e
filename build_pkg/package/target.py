"""The Lambda platform a package is built for: runtime (Python version) and architecture."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import TargetError

ARCHES = ("x86_64", "arm64")

# Lambda's names for the architecture -> the machine name that wheels and ELF use.
_MACHINE = {"x86_64": "x86_64", "arm64": "aarch64"}

# Python 3.12+ runtimes run on Amazon Linux 2023 (glibc 2.34); 3.11 and older on
# Amazon Linux 2 (glibc 2.26), for which manylinux2014 (glibc 2.17) is the safe tag.
_AL2023_FROM = (3, 12)

_RUNTIME_RE = re.compile(r"^python(3)\.(\d+)$")


@dataclass(frozen=True)
class Target:
    runtime: str  # "python3.12"
    arch: str  # "x86_64" | "arm64"

    @classmethod
    def parse(cls, runtime: str, arch: str) -> "Target":
        if not _RUNTIME_RE.match(runtime):
            raise TargetError(
                f"runtime {runtime!r} is not a Lambda Python runtime: use the form python3.12"
            )
        if arch not in ARCHES:
            raise TargetError(f"architecture {arch!r} is not one of {', '.join(ARCHES)}")
        return cls(runtime, arch)

    @classmethod
    def from_python_version(cls, version: str, arch: str) -> "Target":
        """Map a Pipfile `python_version` ("3.12") to its runtime name."""
        return cls.parse(f"python{version}", arch)

    @property
    def python_version(self) -> str:
        return self.runtime.removeprefix("python")

    @property
    def version_tuple(self) -> tuple[int, int]:
        major, minor = self.python_version.split(".")
        return int(major), int(minor)

    @property
    def machine(self) -> str:
        return _MACHINE[self.arch]

    @property
    def uv_platform(self) -> str:
        """The value for `uv pip install --python-platform`."""
        if self.version_tuple >= _AL2023_FROM:
            return f"{self.machine}-manylinux_2_34"
        return f"{self.machine}-manylinux2014"

    def marker_environment(self) -> dict[str, str]:
        """PEP 508 marker values as Lambda's runtime reports them."""
        return {
            "implementation_name": "cpython",
            "implementation_version": f"{self.python_version}.0",
            "os_name": "posix",
            "platform_machine": self.machine,
            "platform_python_implementation": "CPython",
            "platform_release": "",
            "platform_system": "Linux",
            "platform_version": "",
            "python_full_version": f"{self.python_version}.0",
            "python_version": self.python_version,
            "sys_platform": "linux",
        }

    def __str__(self) -> str:
        return f"{self.runtime} {self.arch}"
