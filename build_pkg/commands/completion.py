"""`completion`: the shell completion script, to write to a file once and source from the
shell's start-up file (so a new shell outside the repository runs nothing)."""

from __future__ import annotations

import re

import click
from click.shell_completion import get_completion_class

PROG = "build-pkg.py"
COMPLETE_VAR = "_BUILD_PKG_COMPLETE"
# Beside the name click registers, the spellings people type.
_ALSO = {
    "bash": "complete -o nosort -F _build_pkgpy_completion ./build-pkg.py\n",
    "zsh": "compdef _build_pkgpy_completion ./build-pkg.py\n",
}


@click.command("completion")
@click.argument("shell", type=click.Choice(sorted(_ALSO)))
@click.pass_context
def completion(ctx: click.Context, shell: str) -> None:
    """Print the completion script for SHELL (bash or zsh).

    Write it once and source it from the shell's start-up file, for example for bash:
    `./build-pkg.py completion bash > ~/.build-pkg-completion.bash`, then in ~/.bashrc:
    `. ~/.build-pkg-completion.bash`. It completes commands, options and, for invoke,
    tf, canary, promote, rollback, status and prune, the repository's function names.
    """
    cls = get_completion_class(shell)
    script = cls(ctx.find_root().command, {}, PROG, COMPLETE_VAR).source()
    # A TAB where the typed command is not there (another folder) or cannot run (no .venv
    # yet) completes nothing, without printing its error over the command line.
    script = re.sub(rf"({COMPLETE_VAR}=\w+_complete [^)]+)\)", r"\1 2>/dev/null)", script)
    # zsh's script runs `build-pkg.py` from PATH; run what was typed (./build-pkg.py), as bash's does.
    script = script.replace(f"=zsh_complete {PROG} ", "=zsh_complete ${words[1]} ")
    click.echo(script.rstrip("\n") + "\n" + _ALSO[shell], nl=False)


COMMANDS = (completion,)
