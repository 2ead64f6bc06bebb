"""pipekit completion: the shell completion script for bash, zsh or fish (click's own)."""

from __future__ import annotations

import click

SHELLS = ("bash", "zsh", "fish")
COMPLETE_VAR = "_PIPEKIT_COMPLETE"


@click.command()
@click.argument("shell", type=click.Choice(SHELLS))
@click.pass_context
def completion(ctx: click.Context, shell: str) -> None:
    """Print the completion script for SHELL; install it once:

    \b
    bash: pipekit completion bash > ~/.local/share/bash-completion/completions/pipekit
    zsh:  pipekit completion zsh > "${fpath[1]}/_pipekit"
    fish: pipekit completion fish > ~/.config/fish/completions/pipekit.fish

    (or, for the current shell only: eval "$(pipekit completion bash)"). Commands,
    options and choices complete; the script asks pipekit itself, so it follows upgrades.
    """
    from click.shell_completion import get_completion_class

    root = ctx.find_root()
    script = get_completion_class(shell)(root.command, {}, "pipekit", COMPLETE_VAR).source()
    click.echo(script)
