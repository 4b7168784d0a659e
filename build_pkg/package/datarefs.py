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


# Wide text's ASCII characters, each followed (little-endian) or preceded (big-endian) by
# NULs: the runs a dotted name in UTF-16 or UTF-32 text makes, whatever the text around it
# is (a CJK logging config has no NULs between its own characters) and with or without a BOM.
# Searched in the bytes' classes (1 printable ASCII, 0 NUL, 2 anything else), where each
# pattern starts with a literal that re finds fast: 0.4 s for 50 MB of random bytes, where
# the same patterns on the bytes themselves take 5 s.
_CLASSES = bytes([0] + [1 if 0x21 <= byte <= 0x7E else 2 for byte in range(1, 256)])
_WIDE_RUNS = tuple(re.compile(re.escape(unit * 3) + b"(?:" + re.escape(unit) + b")*")
                   for unit in (b"\x01\x00\x00\x00", b"\x00\x00\x00\x01", b"\x01\x00", b"\x00\x01"))


def _as_texts(data: bytes) -> list[bytes]:
    """The bytes, and, when they hold NULs, the ASCII runs of any UTF-16 or UTF-32 text in
    them, one per line."""
    texts = [data]
    if b"\x00" in data:
        classes = data.translate(_CLASSES)
        for pattern in _WIDE_RUNS:
            runs = [data[m.start():m.end()].replace(b"\x00", b"") for m in pattern.finditer(classes)]
            if runs:
                texts.append(b"\n".join(runs))
    return texts
