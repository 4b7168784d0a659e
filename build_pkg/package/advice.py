"""What the builder knows about packages that do not belong in a Lambda package. Pure."""

from __future__ import annotations

import fnmatch
import re

from packaging.markers import InvalidMarker, Marker

# Development tools: type stubs, test and lint tools, installers. Locked into [packages]
# they ship to Lambda for nothing (boto3-stubs alone is megabytes).
DEV_TOOLS = (
    "types-*", "*-stubs", "mypy-boto3-*", "mypy", "pyright", "pytest", "pytest-*", "hypothesis", "coverage",
    "tox", "nox", "pre-commit", "ruff", "black", "isort", "flake8", "flake8-*", "pylint", "bandit", "moto",
    "ipython", "ipdb", "pip", "setuptools", "wheel",
)

# Packages published only as source that do not build as pure Python, with what to use
# instead. psycopg2 needs libpq's headers and has no Linux wheel; the others have a
# pure-Python or wheel-shipping equivalent with the same API or close to it.
REPLACEMENTS = {
    "psycopg2": "use psycopg2-binary (the same API, with libpq inside its wheel)",
    "pycrypto": "use pycryptodome (a maintained drop-in with wheels)",
    "mysqlclient": "use PyMySQL (pure Python; pymysql.install_as_MySQLdb() keeps the MySQLdb API)",
    "python-ldap": "use ldap3 (pure Python)",
}


def dev_tools(names) -> list[str]:
    """The names among `names` that are development tools, sorted."""
    return sorted(n for n in names if any(fnmatch.fnmatchcase(n.lower(), p) for p in DEV_TOOLS))


def dev_tools_to_move(packages, requirements: dict[str, tuple[tuple[str, str | None], ...]],
                      top_levels: dict[str, list[str]], imported: set[str], target) -> list[str]:
    """The development tools in [packages] that are safe to move to [dev-packages]: no
    package that stays requires them (setuptools is a requirement of some, and
    pkg_resources comes with it) and no first-party module imports them.

    `requirements`: each locked package's Requires-Dist as (name, marker); `top_levels`:
    what each installed (setuptools: pkg_resources too); `imported`: the top-level names
    first-party code imports. A requirement counts unless its marker
    holds only for an extra the lock did not install (`pytest; extra == "test"`).
    """
    extras = {p.name: set(p.extras) for p in packages}
    tools = dev_tools(p.name for p in packages)

    def needs(owner: str) -> set[str]:
        return {_normal(name) for name, marker in requirements.get(owner, ())
                if _counts(marker, extras.get(owner, set()), target)}

    def import_names(name: str) -> set[str]:
        return {top.removesuffix(".py") for top in top_levels.get(name, ()) if ".dist-info" not in top}

    # What stays at run time: every other package, a tool that code imports, and, until
    # nothing changes, any tool that something staying requires (tools required only by
    # tools move together).
    staying = {p.name for p in packages if p.name not in tools}
    staying |= {name for name in tools if import_names(name) & imported}
    while True:
        required = set().union(*(needs(owner) for owner in staying)) if staying else set()
        more = {name for name in tools if name not in staying and _normal(name) in required}
        if not more:
            break
        staying |= more
    return [name for name in tools if name not in staying]


def _counts(marker: str | None, extras: set[str], target) -> bool:
    if not marker or "extra" not in marker:
        return True  # whatever else the marker says: when unsure, the package is needed
    try:
        parsed = Marker(marker)
        env = target.marker_environment()
        return any(parsed.evaluate(env | {"extra": extra}) for extra in extras)
    except InvalidMarker:
        return True


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def fix_for(name: str, target_desc: str) -> str:
    """How to get rid of a package that does not build as pure Python."""
    known = REPLACEMENTS.get(name.lower())
    return known or f"pin a version that publishes a wheel for {target_desc}, or drop it"
