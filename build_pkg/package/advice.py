"""What the builder knows about packages that do not belong in a Lambda package. Pure."""

from __future__ import annotations

import fnmatch

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


def fix_for(name: str, target_desc: str) -> str:
    """How to get rid of a package that does not build as pure Python."""
    known = REPLACEMENTS.get(name.lower())
    return known or f"pin a version that publishes a wheel for {target_desc}, or drop it"
