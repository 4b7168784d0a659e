"""The build pipeline: a build that fails at any phase leaves every previous output byte for
byte as it was (the zip, its manifest, the layer, openapi.json, the image layout), says
which phase failed, and leaves no staging folder; a commit cut short is finished by the
next build; every command that builds goes through the one pipeline."""

from __future__ import annotations

import ast
import hashlib
import json
import os
from pathlib import Path

import pytest
from builder_support import REPO, WorkerRepo
from registry_fixtures import push_base

from build_pkg.pipeline import staging

REST = ("from aws_lambda_powertools.event_handler import APIGatewayRestResolver\n\n"
        "app = APIGatewayRestResolver()\n\n\n@app.get('/shop/<item>')\ndef item(item: str) -> dict:\n"
        "    return {'item': item}\n\n\ndef handler(event, context):\n    return app.resolve(event, context)\n")
# What the issue saw: a module-level read of a variable the .tf does not set.
BROKEN_REST = REST.replace("app = APIGatewayRestResolver()", "import os\nTABLE = os.environ['TABLE_NAME']\n"
                                                                "app = APIGatewayRestResolver()")


def _outputs(repo: WorkerRepo) -> dict[str, str]:
    """Every file under terraform/ that a build writes, by its sha256."""
    found = {}
    for path in sorted((repo.root / "terraform").rglob("*")):
        if path.is_file() and not path.name.endswith(".tf") and "/env/" not in path.as_posix():
            found[path.relative_to(repo.root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@pytest.fixture
def rest_repo(worker_repo, cli) -> WorkerRepo:
    worker_repo.write("functions/lambda_shop.py", REST)
    assert cli("-C", str(worker_repo.root), "tf", "shop").exit_code == 0
    return worker_repo


def test_a_build_that_fails_reading_routes_changes_no_byte(rest_repo, cli):
    root = str(rest_repo.root)
    first = cli("-C", root, "build", "--layer")
    assert first.exit_code == 0, first.output
    before = _outputs(rest_repo)
    assert {"terraform/dists.zip", "terraform/layer.zip", "terraform/dists.manifest.json",
            "terraform/openapi.json"} <= set(before)

    rest_repo.write("functions/lambda_shop.py", BROKEN_REST)
    failed = cli("-C", root, "build", "--layer")
    assert failed.exit_code == 1
    error = failed.stderr.strip().splitlines()[-1]
    assert error.startswith("error: functions/lambda_shop.py: its routes could not be read from its resolver "
                            "(KeyError: 'TABLE_NAME')")
    assert error.endswith("(the openapi phase failed; nothing was written)")
    assert "wrote " not in failed.stderr and "changed: " not in failed.stderr
    assert _outputs(rest_repo) == before
    assert not (rest_repo.root / "terraform" / staging.FOLDER).exists()

    # Fixed, the next build writes everything of the new code together.
    rest_repo.write("functions/lambda_shop.py", REST.replace("'item': item", "'item': item, 'v': 2"))
    again = cli("-C", root, "build", "--layer", "--json")
    assert again.exit_code == 0, again.output
    after = _outputs(rest_repo)
    assert after["terraform/dists.zip"] != before["terraform/dists.zip"]
    assert after["terraform/layer.zip"] == before["terraform/layer.zip"]  # the dependencies did not change
    manifest = json.loads(again.stdout)
    assert manifest["sha256"] == after["terraform/dists.zip"] and manifest["changed"] == ["shop"]


def test_a_package_error_names_its_phase_and_keeps_the_outputs(worker_repo, cli):
    root = str(worker_repo.root)
    assert cli("-C", root, "build").exit_code == 0
    before = _outputs(worker_repo)
    worker_repo.write("functions/lambda_broken.py", "def handler(event, context:\n    return 1\n")
    failed = cli("-C", root, "build")
    assert failed.exit_code == 1
    assert failed.stderr.strip().splitlines()[-1] == (
        "error: functions/lambda_broken.py:1: syntax error: '(' was never closed; fix the code "
        "(the package phase failed; nothing was written)")
    assert _outputs(worker_repo) == before


def test_a_failed_image_build_keeps_the_layout_and_a_zip_build_says_it_removes_it(small_repo, registry, cli):
    root = str(small_repo.root)
    base = push_base(f"{registry}/lambda/python")
    small_repo.write("functions/lambda_shop.py", "def handler(event, context):\n    return 1\n")
    assert cli("-C", root, "tf", "shop").exit_code == 0
    built = cli("-C", root, "build", "--image", "--base-image", base)
    assert built.exit_code == 0, built.output
    before = _outputs(small_repo)
    assert any(name.startswith("terraform/images/blobs/") for name in before)

    # A REST resolver, and this lock (six alone) lacks Powertools: its routes cannot be read,
    # and that is found only after the images were made.
    small_repo.write("functions/lambda_shop.py", REST)
    failed = cli("-C", root, "build", "--image", "--base-image", base)
    assert failed.exit_code == 1
    assert failed.stderr.strip().splitlines()[-1].endswith("(the openapi phase failed; nothing was written)")
    assert "images changed: 1 of 2 functions (shop)" in failed.stderr  # the images were made, then thrown away
    assert _outputs(small_repo) == before

    small_repo.write("functions/lambda_shop.py", "def handler(event, context):\n    return 2\n")
    plain = cli("-C", root, "build", "--no-image")
    assert plain.exit_code == 0, plain.output
    assert ("removing terraform/images/: this build makes no images (pass --image, or set package_type = "
            '"image" in terraform/main.tf, to keep them)') in plain.stderr
    assert not (small_repo.root / "terraform" / "images").exists()
    assert json.loads((small_repo.root / "terraform" / "dists.manifest.json").read_text())["package_type"] == "zip"


def test_base_image_without_images_is_a_usage_error(worker_repo, cli):
    result = cli("-C", str(worker_repo.root), "build", "--base-image", "127.0.0.1:5000/base:1@sha256:" + "a" * 64)
    assert result.exit_code == 2
    assert "--base-image is the base of the images, and this build makes none" in result.stderr


def _stage(outputs: Path) -> staging.Staging:
    """A commit of three outputs over three old ones, staged but not yet moved."""
    (outputs / "images").mkdir(parents=True)
    (outputs / "images" / "index.json").write_text("old layout")
    for name in ("dists.zip", "openapi.json", "dists.manifest.json"):
        (outputs / name).write_text(f"old {name}")
    stage = staging.Staging(outputs, last="dists.manifest.json").__enter__()
    stage.write("dists.zip", b"new zip")
    stage.remove("openapi.json")
    (stage.folder("images") / "index.json").write_text("new layout")
    stage.write("dists.manifest.json", b"new manifest")
    return stage


def test_a_commit_cut_short_is_finished_by_the_next_build(tmp_path, monkeypatch):
    outputs = tmp_path / "terraform"
    stage = _stage(outputs)
    moved = []
    real_replace = os.replace

    def killed_after_two(src, dst):  # the process dies after its second move
        if len(moved) == 2:
            raise KeyboardInterrupt
        moved.append(dst)
        real_replace(src, dst)

    monkeypatch.setattr(staging.os, "replace", killed_after_two)
    with pytest.raises(KeyboardInterrupt):
        stage.commit()
    monkeypatch.setattr(staging.os, "replace", real_replace)
    assert (outputs / "dists.manifest.json").read_text() == "old dists.manifest.json"  # the manifest moves last

    staging.finish_interrupted_commit(outputs)  # what the next build does first
    assert (outputs / "dists.zip").read_text() == "new zip"
    assert (outputs / "images" / "index.json").read_text() == "new layout"
    assert not (outputs / "openapi.json").exists()
    assert (outputs / "dists.manifest.json").read_text() == "new manifest"
    assert not (outputs / staging.FOLDER).exists()


def test_a_ctrl_c_during_the_commit_finishes_it(tmp_path, monkeypatch):
    """An interrupt that lands between two moves: the commit is finished on the way out."""
    outputs = tmp_path / "terraform"
    real_replace = os.replace
    calls = []

    def interrupted_once(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise KeyboardInterrupt
        real_replace(src, dst)

    stage = _stage(outputs)  # entered, as the pipeline's `with` has it
    monkeypatch.setattr(staging.os, "replace", interrupted_once)
    with pytest.raises(KeyboardInterrupt) as interrupt:
        stage.commit()
    monkeypatch.setattr(staging.os, "replace", real_replace)
    stage.__exit__(KeyboardInterrupt, interrupt.value, None)  # leaving the pipeline's `with`
    assert (outputs / "dists.zip").read_text() == "new zip"
    assert (outputs / "images" / "index.json").read_text() == "new layout"
    assert (outputs / "dists.manifest.json").read_text() == "new manifest"
    assert not (outputs / "openapi.json").exists() and not (outputs / staging.FOLDER).exists()


def test_a_build_killed_before_its_commit_leaves_the_outputs_and_its_staging_is_thrown_away(tmp_path):
    outputs = tmp_path / "terraform"
    _stage(outputs)  # staged, never committed: no journal
    staging.finish_interrupted_commit(outputs)
    assert (outputs / "dists.zip").read_text() == "old dists.zip"
    assert (outputs / "openapi.json").read_text() == "old openapi.json"
    assert (outputs / "images" / "index.json").read_text() == "old layout"
    assert not (outputs / staging.FOLDER).exists()


PHASES = {"make_package", "with_images", "without_images", "openapi_document"}


def test_only_the_pipeline_runs_the_builds_phases():
    """Every command that builds goes through pipeline/run.py: nothing else calls a phase."""
    callers = {}
    for path in (REPO / "build_pkg").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", getattr(node.func, "attr", None))
                if name in PHASES:
                    callers.setdefault(name, set()).add(path.relative_to(REPO).as_posix())
    assert callers == {name: {"build_pkg/pipeline/run.py"} for name in PHASES}


def test_the_same_tree_in_another_folder_gives_the_same_openapi_bytes(rest_repo, cli, tmp_path):
    """The document's title is the project's name, not the checkout folder's: a release from a
    clone named otherwise must not redeploy the REST API."""
    import shutil

    assert cli("-C", str(rest_repo.root), "build").exit_code == 0
    elsewhere = tmp_path / "another-clone-name"
    shutil.copytree(rest_repo.root, elsewhere, ignore=shutil.ignore_patterns("*.zip", "*.json"))
    assert cli("-C", str(elsewhere), "build").exit_code == 0
    document = (rest_repo.root / "terraform" / "openapi.json").read_bytes()
    assert (elsewhere / "terraform" / "openapi.json").read_bytes() == document
    assert json.loads(document)["info"]["title"] == "worker REST API"  # terraform/variables.tf's project


SPELLED_OTHERWISE = ("from aws_lambda_powertools import Logger, event_handler\n\n"
                     "app = event_handler.APIGatewayRestResolver()\n\n\n@app.get('/shop/<item>')\n"
                     "def item(item: str) -> dict:\n    return {'item': item}\n\n\n"
                     "def handler(event, context):\n    return app.resolve(event, context)\n")


def test_any_import_spelling_serves_its_routes_and_vanished_routes_are_said(rest_repo, cli):
    """`from aws_lambda_powertools import Logger, event_handler`: its routes are read (they once
    were not, and openapi.json, and with it the REST API, went away without a word)."""
    root = str(rest_repo.root)
    assert cli("-C", root, "build").exit_code == 0
    before = json.loads((rest_repo.root / "terraform" / "openapi.json").read_text())
    rest_repo.write("functions/lambda_shop.py", SPELLED_OTHERWISE)
    built = cli("-C", root, "build", "--json")
    assert built.exit_code == 0, built.output
    assert json.loads(built.stdout)["openapi"]["routes"] == ["GET /shop/{item}"]
    assert json.loads((rest_repo.root / "terraform" / "openapi.json").read_text())["paths"] == before["paths"]

    rest_repo.write("functions/lambda_shop.py", "def handler(event, context):\n    return {}\n")  # no resolver
    gone = cli("-C", root, "build")
    assert gone.exit_code == 0
    assert ("warning: functions/lambda_shop.py: served REST routes at the last build and serves none now: the next "
            "apply removes them, and with no route left the REST API itself (its deployment and stage)") in gone.stderr
    assert not (rest_repo.root / "terraform" / "openapi.json").exists()

    # check refuses it, on every build after too, until the routes come back or the code says it is meant.
    for _ in range(2):
        checked = cli("-C", root, "check")
        assert checked.exit_code == 1
        assert ("functions/lambda_shop.py: served REST routes at an earlier build (GET /shop/{item}) and serves none "
                "now: the next apply removes them, with the last ones the REST API; if that is meant, add "
                "`# build-pkg: no REST routes` to it") in checked.stdout
        assert cli("-C", root, "build").exit_code == 0
    rest_repo.write("functions/lambda_shop.py", "# build-pkg: no REST routes\n"
                                                "def handler(event, context):\n    return {}\n")
    assert cli("-C", root, "build").exit_code == 0
    assert cli("-C", root, "check").exit_code == 0
