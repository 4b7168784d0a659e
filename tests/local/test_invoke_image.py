"""`invoke --image`: the function runs from its own image's layers (base, dependencies, its
code), unpacked in order, with the same Lambda log lines and error shapes as the zip path.
The base is the small AWS-layout one the tests push to a real registry on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
import sys

from builder_support import BUILD_PKG
from registry_fixtures import push_base
from test_invoke import REPORT

FAIL = ("import six\n\n\ndef handler(event, context):\n"
        "    if event.get('boom'):\n        raise ValueError('boom: ' + event['boom'])\n"
        "    return {'six': six.__version__, 'function': context.function_name}\n")
PEEK = ("import os\n\n\ndef handler(event, context):\n"
        "    return sorted(os.listdir(os.environ['LAMBDA_TASK_ROOT']))\n")


def _invoke(repo, name: str, *args: str, event: dict):
    return subprocess.run([sys.executable, str(BUILD_PKG), "-C", str(repo.root), "invoke", name, "--event", "-", *args],
                          input=json.dumps(event), capture_output=True, text=True)


def test_an_image_function_runs_from_its_own_layers(small_repo, registry):
    small_repo.write("functions/lambda_fail.py", FAIL)
    small_repo.write("functions/lambda_peek.py", PEEK)
    base = push_base(f"{registry}/lambda/python")
    ok = _invoke(small_repo, "fail", "--image", "--base-image", base, event={})
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout) == {"six": "1.17.0", "function": "worker-dev-fail"}
    assert REPORT.search(ok.stderr) and "START RequestId:" in ok.stderr and "END RequestId:" in ok.stderr

    # The task root is the image's /var/task: the dependencies and this function's closure only.
    peek = _invoke(small_repo, "peek", "--image", "--base-image", base, event={})
    listed = json.loads(peek.stdout)
    assert "lambda_peek.py" in listed and "six.py" in listed and "lambda_fail.py" not in listed
    zip_peek = _invoke(small_repo, "peek", "--no-image", event={})
    assert "lambda_fail.py" in json.loads(zip_peek.stdout)  # the zip holds every function

    failed = _invoke(small_repo, "fail", "--image", "--base-image", base, event={"boom": "bad"})
    from_zip = _invoke(small_repo, "fail", "--no-image", event={"boom": "bad"})
    assert failed.returncode == from_zip.returncode == 1
    image_error, zip_error = json.loads(failed.stdout), json.loads(from_zip.stdout)
    assert {k: image_error[k] for k in ("errorType", "errorMessage")} == {
        k: zip_error[k] for k in ("errorType", "errorMessage")} == {"errorType": "ValueError", "errorMessage": "boom: bad"}
    assert len(image_error["stackTrace"]) == len(zip_error["stackTrace"])

    # Without --image, invoke follows the images the last build made rather than removing them.
    assert _invoke(small_repo, "fail", "--image", "--base-image", base, event={}).returncode == 0
    plain = _invoke(small_repo, "fail", "--base-image", base, event={})
    assert plain.returncode == 0, plain.stderr
    assert small_repo.manifest()["package_type"] == "image" and (small_repo.root / "terraform" / "images").is_dir()

    # A run without --base-image rebuilds on the base the last image build used (not on the
    # pinned AWS base, which this machine cannot fetch), and its traceback reads line by line.
    again = _invoke(small_repo, "fail", "--image", event={"boom": "again"})
    assert again.returncode == 1 and json.loads(again.stdout)["errorMessage"] == "boom: again", again.stderr
    assert "\r" not in again.stderr and "\nTraceback (most recent call last):\n" in again.stderr
