"""The README and docs/ say what the code does: every command and option of the CLI (read from
click's own tree) has its place in docs/commands.md, every option the docs name exists, the
README stays a page a newcomer reads to the end, and every link in it and in docs/ resolves."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from builder_support import REPO

from build_pkg.cli import main as cli

COMMANDS_DOC = REPO / "docs" / "commands.md"
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def _commands(group: click.Command = cli, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    yield path, group
    if isinstance(group, click.Group):
        for name, command in group.commands.items():
            yield from _commands(command, (*path, name))


def _long_options(command: click.Command) -> set[str]:
    return {opt for param in command.params if isinstance(param, click.Option)
            for opt in (*param.opts, *param.secondary_opts) if opt.startswith("--")}


OPTION = r"(?<![\w-])--[a-z][a-z0-9-]*(?![\w<-])"  # not a half-typed `--la<TAB>`
COMMANDS = dict(_commands())
PATHS = set(COMMANDS)


def _sections() -> list[tuple[set[tuple[str, ...]], str]]:
    """docs/commands.md cut at its `## ` headings: the text before the first is the global
    part (the command ()), each heading's text belongs to the commands its code spans name
    (`build-pkg.py cache` and `cache prune` -> ("cache",), ("cache", "prune"))."""
    parts = re.split(r"^## ", COMMANDS_DOC.read_text(), flags=re.M)
    sections = [({()}, parts[0])]
    for part in parts[1:]:
        named = set()
        for span in re.findall(r"`([^`]+)`", part.splitlines()[0]):
            words = span.removeprefix("build-pkg.py ").split()
            longest = next((tuple(words[:n]) for n in range(len(words), 0, -1) if tuple(words[:n]) in PATHS), None)
            if longest is not None:
                named.add(longest)
        sections.append((named, part))
    return sections


SECTIONS = _sections()
SECTION_OF = {path: "".join(text for named, text in SECTIONS if path in named) for path in PATHS}


@pytest.mark.parametrize("path", sorted(PATHS), ids=lambda p: " ".join(p) or "global")
def test_every_command_and_option_has_its_place_in_the_docs(path):
    assert SECTION_OF[path], f"docs/commands.md has no `## ` section for `{' '.join(path)}`"
    missing = sorted(opt for opt in _long_options(COMMANDS[path]) if opt != "--help"
                     and not re.search(rf"(?<![\w-]){re.escape(opt)}(?![\w-])", SECTION_OF[path]))
    assert not missing, f"docs/commands.md, section of `{' '.join(path) or 'global options'}`, does not mention {missing}"


def test_every_option_the_docs_tabulate_exists_on_its_command():
    wrong = []
    for named, text in SECTIONS:
        known = set().union(*(_long_options(COMMANDS[path]) for path in named)) | {"--help"}
        for row in re.findall(r"^\| *(`[^|]*)\|", text, flags=re.M):
            for opt in re.findall(OPTION, row):
                if opt not in known:
                    wrong.append(f"{text.splitlines()[0]}: {opt}")
    assert not wrong, f"docs/commands.md lists options its commands do not have: {wrong}"


def _unknown_options(text: str) -> tuple[tuple[str, ...], list[str]]:
    """`text` read as a command line (`canary NAME --percent 10`): the command it names, and
    the options in it that are neither that command's nor the global ones."""
    words = text.split()
    path = ()
    while words and (*path, words[0]) in PATHS:
        path, words = (*path, words[0]), words[1:]
    if not path:
        return (), []
    known = _long_options(COMMANDS[path]) | _long_options(cli) | {"--help"}
    return path, [opt for opt in re.findall(OPTION, " ".join(words)) if opt not in known]


def test_every_command_line_in_the_docs_names_a_real_command_and_its_options():
    """Each `./build-pkg.py COMMAND ... --option` in a code span or block of any page: the
    command exists and the options are its own or the global ones."""
    wrong = []
    for page in PAGES:
        for line in re.findall(r"(?:\./)?build-pkg\.py((?: +[^`\n|#]*)?)", page.read_text()):
            path, unknown = _unknown_options(line)
            wrong += [f"{page.name}: `build-pkg.py {' '.join(path)} ... {opt}`" for opt in unknown]
    assert not wrong, wrong


def test_every_option_a_code_span_gives_a_command_is_that_commands():
    """`release --region`, `invoke --remote`, `build --layer`: in a code span that starts with
    a command, each option is that command's own (or a global one)."""
    wrong = []
    for page in PAGES:
        for span in re.findall(r"`([^`\n]+)`", page.read_text()):
            _, unknown = _unknown_options(span.removeprefix("./").removeprefix("build-pkg.py "))
            wrong += [f"{page.name}: `{span}` ({opt})" for opt in unknown]
    assert not wrong, wrong


def test_commands_said_to_take_an_option_have_it():
    """"Commands that ... (`status`, `canary`, ... and `release`) take the region from
    `--region`": each command so listed has the option."""
    wrong = []
    for page in PAGES:
        text = " ".join(page.read_text().split())
        for listed, option in re.findall(r"\(([^()]*)\) takes? [^.]*?`(--[a-z][a-z0-9-]*)`", text):
            for span in re.findall(r"`([^`]+)`", listed):
                words = span.split()
                path = tuple(words[:2]) if tuple(words[:2]) in PATHS else tuple(words[:1])
                if path in PATHS and option not in _long_options(COMMANDS[path]) | _long_options(cli):
                    wrong.append(f"{page.name}: `{span}` is said to take {option}")
    assert not wrong, wrong


def test_the_readme_is_a_page_a_newcomer_reads_to_the_end():
    lines = (REPO / "README.md").read_text().splitlines()
    assert len(lines) < 200, f"README.md has {len(lines)} lines; move reference to docs/"
    text = "\n".join(lines)
    for needed in ("make build", "make test", "./build-pkg.py new", "./build-pkg.py invoke",
                   "./build-pkg.py check", "make add PACKAGE=", "docs/commands.md"):
        assert needed in text, f"README.md no longer mentions {needed}"


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    body = re.sub(r"^```.*?^```", "", page.read_text(), flags=re.M | re.S)
    return {_slug(h) for h in re.findall(r"^#+ +(.+)$", body, flags=re.M)}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_link_resolves(page):
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text()):
        if re.match(r"[a-z]+:", target):
            continue  # only this repository's own pages are checked
        file, _, anchor = target.partition("#")
        linked = (page.parent / file).resolve() if file else page
        if not linked.exists():
            broken.append(f"{target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
            broken.append(f"{target}: no heading with that anchor in {linked.name}")
    assert not broken, f"{page.relative_to(REPO)}: {broken}"


def test_the_link_check_catches_a_broken_anchor(tmp_path):
    page = tmp_path / "a.md"
    page.write_text("# How `build` works\n## The manifest (`x.json`)\n")
    assert _anchors(page) == {"how-build-works", "the-manifest-xjson"}


def test_the_help_names_the_teams_loop():
    """A team member's loop is `make check`; `--help` says so and what it runs, as the README does."""
    assert "`make check` runs a team member's loop" in cli.help
    readme = (REPO / "README.md").read_text()
    assert "make check   # build, check, tf --check, the functions' tests (closure check on), validate" in readme
