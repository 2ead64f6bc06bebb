"""Options and helpers several commands share."""

from __future__ import annotations

from pathlib import Path

import click

from pipekit.config import DEFAULT_CONFIG, Config, load_config

format_option = click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json prints one machine-readable document (keys documented in docs/commands.md).",
)


def config_path(ctx: click.Context) -> Path:
    return ctx.find_root().obj.get("config_path") or Path(DEFAULT_CONFIG)


def project(ctx: click.Context) -> tuple[Path, Config]:
    """The project folder and its validated config."""
    path = config_path(ctx)
    return path.parent, load_config(path)
