"""pipekit schema: the JSON Schema of pipekit.yaml, from the models that validate it."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import click


@click.command()
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write it to this file instead of stdout.")
def schema(output: Optional[Path]) -> None:
    """Print the JSON Schema of pipekit.yaml (draft 2020-12), for editors and CI.

    \b
    pipekit schema > pipekit.schema.json

    `pipekit render` keeps a copy in .pipekit/pipekit.schema.json, and the pipekit.yaml
    that `pipekit init` writes names it on its first line
    (# yaml-language-server: $schema=.pipekit/pipekit.schema.json), so editors with the
    YAML language server (VS Code's YAML extension, Neovim, JetBrains) complete and check keys.
    """
    from pipekit.config.schema import schema_text

    text = schema_text()
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
