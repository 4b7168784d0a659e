"""The dependency layer: terraform/layer.zip under python/, dists.zip with the code alone."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile

import pytest
from builder_support import BUILD_PKG, WorkerRepo, sha256_of

from build_pkg.package import limits


def _layer(repo: WorkerRepo):
    return repo.root / "terraform" / "layer.zip"


def _entries(path) -> dict[str, tuple[int, int, int]]:
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        return {i.filename: (i.CRC, i.file_size, i.external_attr) for i in archive.infolist()}


@pytest.fixture
def small(tmp_path) -> WorkerRepo:
    repo = WorkerRepo(tmp_path / "repo")
    repo.keep_only("six", "requests", "urllib3", "idna", "certifi", "charset-normalizer")
    repo.write("functions/process_checker/__init__.py", "")  # unused: keeps the example set small
    (repo.root / "functions" / "process_checker" / "__init__.py").unlink()
    return repo


def test_the_layer_holds_the_dependencies_and_dists_the_code(small, cli):
    root = str(small.root)
    assert cli("-C", root, "build").exit_code == 0
    whole = _entries(small.zip_path)
    result = cli("-C", root, "build", "--layer")
    assert result.exit_code == 0, result.output
    code, layer = _entries(small.zip_path), _entries(_layer(small))
    assert layer and all(name.startswith("python/") for name in layer)
    # Together they are exactly the package without the layer, file for file, byte for byte.
    assert {**code, **{name.removeprefix("python/"): v for name, v in layer.items()}} == whole
    assert not set(code) & {name.removeprefix("python/") for name in layer}
    assert "requests/api.py" not in code and "python/requests/api.py" in layer
    manifest = small.manifest()
    assert manifest["layer"]["sha256"] == sha256_of(_layer(small))
    assert manifest["layer"]["unzipped_bytes"] == sum(size for _, size, _ in layer.values())
    assert manifest["unzipped_bytes"] == sum(size for _, size, _ in code.values())
    assert manifest["zipped_bytes"] < 1_000_000  # the code alone


def test_a_code_edit_leaves_the_layer_byte_identical_and_a_lock_change_does_not(small, cli, monkeypatch):
    root = str(small.root)
    assert cli("-C", root, "build", "--layer").exit_code == 0
    layer, code = sha256_of(_layer(small)), sha256_of(small.zip_path)
    hashes = {f["name"]: f["source_code_hash"] for f in small.manifest()["functions"]}

    small.write("functions/lambda_process_checker.py",
                (small.root / "functions/lambda_process_checker.py").read_text() + "\n# edited\n")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # a release stamps the commit's time
    assert cli("-C", root, "build", "--layer").exit_code == 0
    assert sha256_of(_layer(small)) == layer
    assert sha256_of(small.zip_path) != code
    after = {f["name"]: f["source_code_hash"] for f in small.manifest()["functions"]}
    assert [n for n in hashes if hashes[n] != after[n]] == ["process_checker"]

    small.keep_only("six", "requests", "urllib3", "idna", "certifi")  # a lock change
    assert cli("-C", root, "build", "--layer").exit_code == 0
    assert sha256_of(_layer(small)) != layer
    final = {f["name"]: f["source_code_hash"] for f in small.manifest()["functions"]}
    assert all(final[n] != after[n] for n in after)  # every function gets a new version


def test_main_tf_sets_the_default_and_the_flag_overrides_it(small, cli):
    root = str(small.root)
    main_tf = small.root / "terraform" / "main.tf"
    text = main_tf.read_text()
    assert "dependency_layer = false" in text
    main_tf.write_text(text.replace("dependency_layer = false", "dependency_layer = true"))
    assert cli("-C", root, "build").exit_code == 0
    assert _layer(small).is_file() and small.manifest()["layer"]
    result = cli("-C", root, "build", "--no-layer")
    assert result.exit_code == 0
    assert not _layer(small).exists() and small.manifest()["layer"] is None
    assert "requests/api.py" in _entries(small.zip_path)

    before = sha256_of(small.zip_path), small.manifest_path.read_bytes()
    main_tf.write_text(text.replace("dependency_layer = false", "dependency_layer = maybe"))
    result = cli("-C", root, "build", "--force")
    assert result.exit_code == 2
    assert "terraform/main.tf: set dependency_layer to true or false (found maybe)" in result.output
    assert (sha256_of(small.zip_path), small.manifest_path.read_bytes()) == before


def test_a_dependency_in_functions_too_is_refused(small, cli):
    small.write("functions/six.py", "X = 1\n")
    result = cli("-C", str(small.root), "build", "--layer")
    assert result.exit_code == 1
    assert "functions/six.py has the same import name as the dependency 'six'" in result.output
    assert "the dependency layer and the code package" in result.output
    assert not _layer(small).exists() and not small.zip_path.exists()


def test_code_and_layer_count_together_against_the_unzipped_limit(small, cli, monkeypatch):
    root = str(small.root)
    assert cli("-C", root, "build", "--layer").exit_code == 0
    manifest = small.manifest()
    before = sha256_of(small.zip_path), sha256_of(_layer(small))
    # Each fits alone; together they do not.
    monkeypatch.setattr(limits, "UNZIPPED_MAX", manifest["layer"]["unzipped_bytes"] + manifest["unzipped_bytes"] - 1)
    result = cli("-C", root, "build", "--layer", "--force")
    assert result.exit_code == 1
    assert "would be" in result.output and "together, over Lambda's" in result.output
    assert (sha256_of(small.zip_path), sha256_of(_layer(small))) == before


def test_size_shows_the_code_and_the_layer_apart(small, cli):
    root = str(small.root)
    assert cli("-C", root, "build", "--layer").exit_code == 0
    data = json.loads(cli("-C", root, "size", "--json").output)
    assert data["layer"]["largest"][0]["name"] in ("charset_normalizer", "requests", "urllib3")
    assert not {row["name"] for row in data["largest"]} & {"requests", "urllib3", "python"}
    text = cli("-C", root, "size").output
    assert "terraform/layer.zip (the dependency layer, under python/):" in text
    assert "with the layer:" in text


def test_invoke_imports_dependencies_from_the_layer_after_the_task_root(small):
    small.write("functions/lambda_where.py",
                "import sys\nimport requests\n\n"
                "def handler(event, context):\n"
                "    return {'requests': requests.__file__, 'path': sys.path[:3]}\n")
    build = subprocess.run([sys.executable, str(BUILD_PKG), "-C", str(small.root), "build", "--layer"],
                           capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    proc = subprocess.run([sys.executable, str(BUILD_PKG), "-C", str(small.root), "invoke", "where", "--layer"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    task, opt_python = result["path"][0], result["path"][1]
    assert opt_python.endswith("/python") and opt_python != task
    assert result["requests"] == f"{opt_python}/requests/__init__.py"
