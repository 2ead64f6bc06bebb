"""Options and helpers several commands share."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from pipekit.config import Config

DEFAULT_CONFIG = "pipekit.yaml"

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


def project(ctx: click.Context) -> tuple[Path, "Config"]:
    """The project folder and its validated config."""
    from pipekit.config import load_config  # pydantic: only once a command runs

    path = config_path(ctx)
    return path.parent, load_config(path)


def aws_options(command):
    """--profile and --region, which override what pipekit.yaml says for the account."""
    command = click.option("--region", help="Region to use instead of pipekit.yaml's.")(command)
    command = click.option(
        "--profile",
        help="AWS profile for the account the command is about, instead of pipekit.yaml's; other accounts it reads keep theirs.",
    )(command)
    return command


def overrides(ctx: click.Context, profile, region):
    from pipekit.aws.sessions import Overrides

    return Overrides(profile=profile, region=region, endpoint_url=ctx.find_root().obj.get("endpoint_url"))
