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
    PYTEST_ARGS go to pytest (for example -k orders, or a test file, from
    wherever you stand). Exit 1 when a test fails, the closure misses a file, or
    PYTEST_ARGS select no test.
    """
    from ..testing.run import TESTS_DIR, run_tests

    project = obj.project()
    outcome = run_tests(project, _from_the_project(project, pytest_args), capture=as_json)
    ran = outcome.passed + len(outcome.failed)
    ok = outcome.ok and bool(ran or not pytest_args)  # `-k typo` selects nothing: that is no pass
    if as_json:
        click.echo(json.dumps({"ok": ok, **outcome.summary(), "failures": list(outcome.failed),
                               "misses": [{"function": miss[0], "file": miss[1]} for miss in outcome.misses]},
                              indent=2))
    else:
        click.echo(f"test: {outcome.passed} of {ran} tests passed"
                   + (f", {outcome.skipped} skipped" if outcome.skipped else "")
                   + (f"; the closure check found {len(outcome.misses)} miss(es)" if outcome.misses else
                      "; the closure check found no miss")
                   + ("" if ran or pytest_args else f" (no tests under {TESTS_DIR}/)"))
    if pytest_args and not ran and not as_json:
        click.echo(f"test: no test of {TESTS_DIR}/ matches {' '.join(pytest_args)}", err=True)
    if not ok:
        raise SystemExit(1)


def _from_the_project(project, args) -> tuple[str, ...]:
    """Test paths given from the current folder (`test test_orders.py` in tests/functions/),
    as the repository's root sees them: pytest runs there."""
    from pathlib import Path

    shown = []
    for arg in args:
        path, sep, rest = arg.partition("::")
        if not arg.startswith("-") and Path(path).exists():
            try:
                arg = Path(path).resolve().relative_to(project.root.resolve()).as_posix() + sep + rest
            except ValueError:
                pass  # outside the repository: as given
        shown.append(arg)
    return tuple(shown)


COMMANDS = (test,)
