"""`size --html` and `build --report`: the page opened in real headless Chromium (Debian's
chromium, which `make test` installs), with every network name unresolvable."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest
from builder_support import WorkerRepo
from PIL import Image

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--host-resolver-rules=MAP * ~NOTFOUND",
          "--window-size=1280,1000", "--virtual-time-budget=15000"]


def _chromium(*args: str) -> subprocess.CompletedProcess:
    if not CHROMIUM:
        # `make test` installs Debian's chromium where apt-get can run; elsewhere (macOS, no root)
        # only this test is skipped, never in CI.
        if os.environ.get("CI") == "true":
            pytest.fail("no Chromium found, and CI must run the browser test: install the chromium package")
        pytest.skip("no Chromium on this machine (make test installs it where apt-get can run): page not opened")
    return subprocess.run([CHROMIUM, *_FLAGS, *args], capture_output=True, text=True, timeout=180)


def _slice_text(dom: str, label: str) -> str | None:
    """The treemap's <text> element whose label starts with `label`, as rendered."""
    match = re.search(r'<text[^>]*class="slicetext"[^>]*data-unformatted="' + re.escape(label) + r'[^"]*"[^>]*>', dom)
    return match.group(0) if match else None


@pytest.fixture
def layered(tmp_path, cli) -> WorkerRepo:
    repo = WorkerRepo(tmp_path / "repo")
    result = cli("-C", str(repo.root), "build", "--layer", "--report", str(tmp_path / "report.html"))
    assert result.exit_code == 0, result.output
    return repo


def test_the_page_draws_the_treemap_offline_with_the_largest_dependency_labelled(layered, cli, tmp_path):
    page = tmp_path / "size.html"
    result = cli("-C", str(layered.root), "size", "--html", str(page))
    assert result.exit_code == 0, result.output
    text = page.read_text()
    assert "<script src=" not in text and "<link " not in text  # self-contained
    assert text == (tmp_path / "report.html").read_text()  # build --report writes the same page

    manifest = layered.manifest()
    layer_rows = json.loads(cli("-C", str(layered.root), "size", "--json").output)["layer"]["largest"]
    largest_top = layer_rows[0]["name"]
    [largest] = [d for d in manifest["dependencies"] if largest_top in d["top_level"]]
    label = f"{largest['name']} {largest['version']}"

    # Drill-down: the dependency's folders and files are nodes under it.
    # (Plotly writes "/" in its JSON as \u002f.)
    assert json.dumps(f"layer.zip/{label}//{largest_top}/")[:-1].replace("/", "\\u002f") in text

    dom = _chromium("--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert dom.stdout.count('class="slice cursor-pointer"') > 20  # the treemap drew its boxes
    assert _slice_text(dom.stdout, "layer.zip")  # the code's box is a few kB: too small for a label
    element = _slice_text(dom.stdout, label)
    assert element, f"no label for {label}"
    assert "display: none" not in element
    scale = re.search(r"scale\(([\d.]+)\)", element)
    assert scale is None or float(scale.group(1)) > 0.6  # drawn at a readable size, not shrunk away
    assert 'id="limits"' in dom.stdout and dom.stdout.count('class="point"') >= 3  # the limits bar

    shot = tmp_path / "shot.png"
    taken = _chromium(f"--screenshot={shot}", page.as_uri())
    assert taken.returncode == 0 and shot.is_file(), taken.stderr[-2000:]
    image = Image.open(shot).convert("RGB")
    width, height = image.size
    treemap = image.crop((0, height // 3, width, height))  # below the title and the limits bar
    pixels = list(treemap.get_flattened_data())
    coloured = [p for p in pixels if max(p) - min(p) > 40]  # saturated: the boxes, not text or background
    assert len(coloured) > len(pixels) // 2
    assert len({(r // 32, g // 32, b // 32) for r, g, b in coloured}) >= 6  # many boxes, many colours


def test_size_html_needs_a_build_and_names_the_fix(worker_repo, cli, tmp_path):
    result = cli("-C", str(worker_repo.root), "size", "--html", str(tmp_path / "x.html"))
    assert result.exit_code == 1
    assert "run `build-pkg.py build` first" in result.output
    assert not (tmp_path / "x.html").exists()


def test_a_page_path_that_cannot_be_written_is_one_line(layered, cli, tmp_path):
    result = cli("-C", str(layered.root), "size", "--html", str(tmp_path))  # a folder
    assert result.exit_code == 2 and "is a directory" in result.output and "Traceback" not in result.output
    blocked = tmp_path / "afile"
    blocked.write_text("x")
    result = cli("-C", str(layered.root), "size", "--html", str(blocked / "page.html"))  # under a file
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith(f"error: {blocked / 'page.html'}: cannot write the page")
