"""pipekit status: where every environment stands."""

from __future__ import annotations

from typing import Optional

import click

from pipekit.cli.options import aws_options, format_option, overrides, project


@click.command()
@click.option("--env", "env_name", help="Only this environment.")
@aws_options
@format_option
@click.pass_context
def status(ctx: click.Context, env_name: Optional[str], profile: Optional[str], region: Optional[str], output_format: str) -> None:
    """Show each environment's stack, live aliases, traffic shifts, and the pipeline.

    \b
    pipekit status
    pipekit status --env prod --format json

    Read-only. What cannot be read (no credentials for an account, access denied) is
    listed with the reason, and the rest is still shown. Exit 0 even then.
    """
    from pipekit.aws.clients import AwsClients
    from pipekit.aws.sessions import open_account
    from pipekit.errors import UsageError
    from pipekit.recovery.status import environment_status, pipeline_status
    from pipekit.ui.console import print_json
    from pipekit.ui.status import render_status

    _, cfg = project(ctx)
    names = [e.name for e in cfg.environments]
    if env_name and env_name not in names:
        raise UsageError(f"unknown environment {env_name!r} (known: {', '.join(names)})")
    primary = cfg.environment(env_name).account if env_name else None
    clients = AwsClients(cfg, overrides(ctx, profile, region), open_account, primary=primary)
    envs = [environment_status(cfg, name, clients) for name in ([env_name] if env_name else names)]
    stage = cfg.environment(env_name).title if env_name else None
    report = {"project": cfg.project, "environments": envs, "pipeline": pipeline_status(cfg, clients, stage)}
    if output_format == "json":
        print_json(report)
    else:
        render_status(report)
