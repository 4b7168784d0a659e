"""Dotted names in a data file's text (a logging config naming "worker_lib.fmt.Json", a
pickle naming its classes' modules): candidates for the first-party modules it names. Of
any size and text encoding; over-approximated (a name found where it means something else
costs a redeploy, never a stale one). Pure."""

from __future__ import annotations

import re

DATA_DOTTED = re.compile(rb"(?<![\w.])[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+")


def data_refs(data: bytes) -> tuple[str, ...]:
    """Dotted names in a data file's text, of any size and text encoding (a pickle names
    its classes' modules in ASCII; a UTF-16 or UTF-32 JSON file is read as text first):
    candidates for first-party modules it names."""
    found = set()
    for text in _as_texts(data):
        for match in DATA_DOTTED.finditer(text):
            name = match.group(0).decode("ascii")
            found.add(name)
            # A pickle glues an opcode or a length byte to the name ("cworker_lib.models" in
            # protocols 0-3; a length of 48-57 or 65+ reads as a digit or a letter): the name
            # without its first character is a candidate too.
            if len(name) > 2 and (name[1].isalpha() or name[1] == "_"):
                found.add(name[1:])
    return tuple(sorted(found))


_BOMS = ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe", "utf-16-le"),
         (b"\xfe\xff", "utf-16-be"))


def _as_texts(data: bytes) -> list[bytes]:
    """The bytes, and their ASCII letters when they are wide text: by a BOM, or by NULs on
    every other (or every fourth) byte of a sample, as UTF-16/32 text without a BOM has."""
    texts = [data]
    encodings = [encoding for bom, encoding in _BOMS if data.startswith(bom)][:1]
    sample = data[:4096]
    if not encodings and b"\x00" in sample:
        half = max(1, len(sample) // 2)
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        if sample.count(0) > 0.6 * len(sample):
            encodings = ["utf-32-le", "utf-32-be"]
        elif odd > 0.4 * half and even < 0.1 * half:
            encodings = ["utf-16-le"]
        elif even > 0.4 * half and odd < 0.1 * half:
            encodings = ["utf-16-be"]
    for encoding in encodings:
        texts.append(data.decode(encoding, errors="ignore").encode("ascii", errors="ignore"))
    return texts
