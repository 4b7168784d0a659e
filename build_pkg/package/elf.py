"""Read the target machine of an ELF shared object from its header (no tools needed)."""

from __future__ import annotations

import struct

_MACHINES = {3: "i386", 62: "x86_64", 183: "aarch64", 40: "arm"}


def elf_machine(header: bytes) -> str | None:
    """'x86_64', 'aarch64', ... for an ELF header, None for anything else."""
    if len(header) < 20 or header[:4] != b"\x7fELF":
        return None
    order = "<" if header[5] == 1 else ">"
    (machine,) = struct.unpack_from(order + "H", header, 18)
    return _MACHINES.get(machine, f"elf-machine-{machine}")
