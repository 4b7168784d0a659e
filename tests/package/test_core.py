"""The pure core: lock reading, targets, discovery, zip records, limits."""

from __future__ import annotations

import ast
import io
import json
import zipfile

import pytest
from builder_support import REPO, WORKER

from build_pkg.package import discover, limits, lockfile, zipwriter
from build_pkg.package.elf import elf_machine
from build_pkg.errors import FunctionError, LimitError, LockError, TargetError
from build_pkg.package.target import Target


def test_pipfile_hash_matches_what_pipenv_wrote():
    written_by_pipenv = REPO / "bench" / "fixture"
    lock = lockfile.read_lock(written_by_pipenv / "Pipfile.lock")
    assert lockfile.pipfile_hash(lockfile.read_pipfile(written_by_pipenv / "Pipfile")) == lock.pipfile_hash
    example = lockfile.read_lock(WORKER / "Pipfile.lock")
    assert lockfile.pipfile_hash(lockfile.read_pipfile(WORKER / "Pipfile")) == example.pipfile_hash


def test_markers_are_evaluated_for_the_target_not_the_host(tmp_path):
    data = json.loads((WORKER / "Pipfile.lock").read_text())
    six = data["default"]["six"]
    data["default"] = {
        "six": six,
        "old-only": {**six, "markers": "python_version < '3.10'"},
        "arm-only": {**six, "markers": "platform_machine == 'aarch64'"},
        "windows-only": {**six, "markers": "sys_platform == 'win32'"},
    }
    path = tmp_path / "Pipfile.lock"
    path.write_text(json.dumps(data))
    lock = lockfile.read_lock(path)
    names = lambda runtime, arch: [p.name for p in lock.for_target(Target.parse(runtime, arch))]  # noqa: E731
    assert names("python3.12", "x86_64") == ["six"]
    assert names("python3.12", "arm64") == ["arm-only", "six"]
    assert names("python3.9", "x86_64") == ["old-only", "six"]


def test_requirement_lines_carry_every_hash():
    lock = lockfile.read_lock(WORKER / "Pipfile.lock")
    charset = next(p for p in lock.packages if p.name == "charset-normalizer")
    line = charset.requirement()
    assert line.startswith("charset-normalizer==3.5.2 --hash=sha256:")
    assert line.count("--hash=") == len(charset.hashes) > 10


def test_malformed_hash_is_refused(tmp_path):
    data = json.loads((WORKER / "Pipfile.lock").read_text())
    data["default"]["six"]["hashes"] = ["md5:abc"]
    path = tmp_path / "Pipfile.lock"
    path.write_text(json.dumps(data))
    with pytest.raises(LockError, match="'six' has a malformed hash 'md5:abc'"):
        lockfile.read_lock(path)


@pytest.mark.parametrize("runtime, arch, platform", [
    ("python3.12", "x86_64", "x86_64-manylinux_2_34"),
    ("python3.13", "arm64", "aarch64-manylinux_2_34"),
    ("python3.11", "x86_64", "x86_64-manylinux2014"),
    ("python3.9", "arm64", "aarch64-manylinux2014"),
])
def test_wheel_platform_follows_the_runtime_glibc(runtime, arch, platform):
    assert Target.parse(runtime, arch).uv_platform == platform


def test_bad_targets():
    with pytest.raises(TargetError):
        Target.parse("python2", "x86_64")
    with pytest.raises(TargetError):
        Target.parse("python3.12", "ppc64le")


@pytest.mark.parametrize("source, defined", [
    ("def handler(e, c):\n    pass\n", True),
    ("from .impl import handler\n", True),
    ("from impl import run as handler\n", True),
    ("handler = make_handler()\n", True),
    ("handler: object = make()\n", True),
    ("class handler:\n    pass\n", True),
    ("def run(e, c):\n    def handler():\n        pass\n", False),
    ("if True:\n    def handler(e, c):\n        pass\n", False),
    ("# handler\n", False),
])
def test_handler_detection_is_static(source, defined):
    assert ("handler" in discover.top_level_names(ast.parse(source))) is defined


def test_discovery_of_both_layouts(tmp_path):
    functions = tmp_path / "functions"
    (functions / "worker_lib").mkdir(parents=True)
    (functions / "worker_lib" / "main.py").write_text("def handler(e, c): pass\n")  # shared lib, not a function
    (functions / "orders").mkdir()
    (functions / "orders" / "main.py").write_text("def handler(e, c): pass\n")
    (functions / "helpers").mkdir()  # no main.py: shared code
    (functions / "lambda_ping.py").write_text("def handler(e, c): pass\n")
    (functions / "util.py").write_text("X = 1\n")
    found = discover.discover(tmp_path, functions)
    assert [(f.name, f.layout, f.handler, f.source) for f in found] == [
        ("orders", "package", "orders.main.handler", "functions/orders/main.py"),
        ("ping", "flat", "lambda_ping.handler", "functions/lambda_ping.py"),
    ]


def test_names_differing_only_in_case_collide(tmp_path):
    functions = tmp_path / "functions"
    (functions / "Orders").mkdir(parents=True)
    (functions / "Orders" / "main.py").write_text("def handler(e, c): pass\n")
    (functions / "lambda_orders.py").write_text("def handler(e, c): pass\n")
    with pytest.raises(FunctionError, match="defined twice"):
        discover.discover(tmp_path, functions)


def test_zip_records_round_trip_through_zipfile():
    stamp = zipwriter.dos_timestamp(None)
    entries = [
        zipwriter.pack("a/empty.txt", b"", 0o644, stamp),
        zipwriter.pack("a/run.sh", b"#!/bin/sh\necho hi\n" * 50, 0o755, stamp),
        zipwriter.pack("b/tiny", b"x", 0o644, stamp),
        zipwriter.pack("c/naïve.txt", "ünïcode".encode(), 0o644, stamp),
    ]
    out = io.BytesIO()
    zipwriter.write(out, entries)
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as archive:
        assert archive.testzip() is None
        infos = {i.filename: i for i in archive.infolist()}
        assert archive.read("a/run.sh") == b"#!/bin/sh\necho hi\n" * 50
        assert archive.read("c/naïve.txt") == "ünïcode".encode()
    assert infos["a/run.sh"].compress_type == zipfile.ZIP_DEFLATED
    assert infos["b/tiny"].compress_type == zipfile.ZIP_STORED  # deflate would grow it
    assert infos["a/run.sh"].external_attr >> 16 == 0o100755
    assert infos["b/tiny"].external_attr >> 16 == 0o100644


def test_the_same_records_give_the_same_bytes():
    stamp = zipwriter.dos_timestamp(1_700_000_000)
    make = lambda: [zipwriter.pack(f"f{i}", bytes([i]) * 1000, 0o644, stamp) for i in range(5)]  # noqa: E731
    first, second = io.BytesIO(), io.BytesIO()
    zipwriter.write(first, make())
    zipwriter.write(second, make())
    assert first.getvalue() == second.getvalue()


def test_dos_timestamps():
    assert zipwriter.dos_timestamp(None) == (0, (0 << 9) | (1 << 5) | 1)
    assert zipwriter.dos_timestamp(0) == zipwriter.dos_timestamp(None)  # clamped to 1980
    # 2023-11-14 22:13:20 UTC
    assert zipwriter.dos_timestamp(1_700_000_000) == ((22 << 11) | (13 << 5) | 10, (43 << 9) | (11 << 5) | 14)


def test_modes_are_normalised():
    assert zipwriter.normal_mode(0o100600) == 0o644
    assert zipwriter.normal_mode(0o100700) == 0o755
    assert zipwriter.normal_mode(0o100751) == 0o755


def test_size_limits():
    small = limits.measure([("botocore/x", 10), ("six.py", 5), ("botocore/y", 10)], zipped=12)
    assert small.largest == (("botocore", 20), ("six.py", 5))
    assert limits.check(small, "dists.zip") == []

    wide = limits.measure([("numpy/core.so", 60_000_000)], zipped=limits.DIRECT_UPLOAD_MAX + 1)
    [warning] = limits.check(wide, "dists.zip")
    assert "direct-upload limit: deploy it through S3" in warning and "numpy" in warning

    huge = limits.measure([("torch/lib.so", limits.UNZIPPED_MAX), ("six.py", 1)], zipped=1)
    with pytest.raises(LimitError, match=r"over Lambda's 250 MB \(262,144,000 bytes\) limit \(largest: torch"):
        limits.check(huge, "dists.zip")


def test_elf_reader():
    header = bytearray(b"\x7fELF\x02\x01" + bytes(14))
    header[18:20] = (183).to_bytes(2, "little")
    assert elf_machine(bytes(header)) == "aarch64"
    assert elf_machine(b"not an elf file at all") is None
