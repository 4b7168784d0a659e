"""`test`: the functions' own tests, with the closure check, as `release` runs them."""

from __future__ import annotations

import json

import click

from .options import Context, json_option


@click.command("test", context_settings={"ignore_unknown_options": True})
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED, metavar="[PYTEST_ARGS]...")
@json_option
@click.pass_obj
def test(obj: Context, pytest_args, as_json) -> None:
    """Run the functions' tests (tests/functions/) with the closure check failing on a miss.

    What `make check` and `release` run: pytest with functions/ first on
    sys.path (as Lambda's /var/task), the `aws_env` fixture (boto3 against a
    local moto server), and the check that every first-party file a function
    used lies in its closure (else an edit there would not redeploy it).
    PYTEST_ARGS go to pytest (for example -k orders, or a test file). Exit 1
    when a test fails or the closure misses a file.
    """
    from ..testing.run import TESTS_DIR, run_tests

    project = obj.project()
    outcome = run_tests(project, tuple(pytest_args), capture=as_json)
    if as_json:
        click.echo(json.dumps({"ok": outcome.ok, **outcome.summary(), "failures": list(outcome.failed),
                               "misses": [{"function": name, "file": arc} for name, arc in outcome.misses]},
                              indent=2))
    else:
        ran = outcome.passed + len(outcome.failed)
        click.echo(f"test: {outcome.passed} of {ran} tests passed"
                   + (f", {outcome.skipped} skipped" if outcome.skipped else "")
                   + (f"; the closure check found {len(outcome.misses)} miss(es)" if outcome.misses else
                      "; the closure check found no miss")
                   + ("" if ran or pytest_args else f" (no tests under {TESTS_DIR}/)"))
    if not outcome.ok:
        raise SystemExit(1)


COMMANDS = (test,)
