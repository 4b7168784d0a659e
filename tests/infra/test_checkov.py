"""checkov (pinned by the lock's [checkov] category, installed by `make setup` into
.tools/checkov/) on the real tree, offline: every check passes but the ones
terraform/.checkov.yaml leaves to each team, with its reasons."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import yaml
from builder_support import REPO, WORKER

CHECKOV = REPO / ".tools" / "checkov" / "bin" / "checkov"
CONFIG = WORKER / "terraform" / ".checkov.yaml"


def _checkov(directory: Path, *args: str, cwd: Path | None = None) -> dict:
    # checkov also reads a .checkov.yaml in its working directory: say which one on purpose.
    proc = subprocess.run([str(CHECKOV), "-d", str(directory), *args, "-o", "json"],
                          capture_output=True, text=True, cwd=cwd or REPO)
    report = json.loads(proc.stdout)
    return report[0] if isinstance(report, list) else report


def test_the_tree_passes_checkov_but_for_the_listed_team_choices():
    report = _checkov(WORKER / "terraform", "--config-file", str(CONFIG))
    assert report["summary"]["parsing_errors"] == 0
    assert report["summary"]["failed"] == 0, [f["check_id"] for f in report["results"]["failed_checks"]]
    assert report["summary"]["passed"] >= 40


def test_every_listed_skip_is_still_needed_and_has_a_reason(tmp_path):
    """A skip that no longer fires, or one without its reason, is a stale list."""
    skipped = yaml.safe_load(CONFIG.read_text())["skip-check"]
    text = CONFIG.read_text()
    for check in skipped:
        before = text[:text.index(f"- {check}")]
        assert before.rstrip().splitlines()[-1].lstrip().startswith(("#", "- CKV")), check
    # checkov reads .checkov.yaml from the scanned folder too: scan a copy without it.
    bare = tmp_path / "terraform"
    shutil.copytree(WORKER / "terraform", bare, ignore=shutil.ignore_patterns(".checkov.yaml", "*.zip", ".terraform"))
    report = _checkov(bare, "--framework", "terraform", "--skip-download", cwd=tmp_path)
    failing = {f["check_id"] for f in report["results"]["failed_checks"]}
    assert set(skipped) <= failing, set(skipped) - failing
