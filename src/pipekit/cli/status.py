"""pipekit status: where every environment stands."""

from __future__ import annotations

from typing import Optional

import click

from pipekit.cli.app import Application, pass_app
from pipekit.cli.options import aws_options, format_option


@click.command()
@click.option("--env", "env_name", help="Only this environment.")
@click.option("--watch", "-w", is_flag=True, help="Keep reading, and show the status again whenever it changes, until Ctrl-C.")
@click.option("--interval", type=click.FloatRange(min=1), default=5, show_default=True, help="Seconds between reads with --watch.")
@aws_options
@format_option
@pass_app
def status(app: Application, env_name: Optional[str], watch: bool, interval: float, profile: Optional[str], region: Optional[str],
           output_format: str) -> None:
    """Show each environment's stack, live aliases, traffic shifts, the pipeline, and
    what of pipekit's setup is still to deploy.

    \b
    pipekit status
    pipekit status --env prod --format json
    pipekit status --env prod --watch

    \b
    --watch reads again every --interval seconds and shows what changed: alias weights,
    deployment progress, alarms, stages and waiting approvals. On a terminal the view is
    redrawn in place; elsewhere (or with --format json) it prints one JSON object per
    change: {"time", "changed": ["prod: functions", ...], "status": <the report>}.
    Ctrl-C ends it with exit 0.

    Without --env, last pipekit's own stacks in the order a first setup deploys them
    (artifacts, each target account's roles, the pipeline) and which are still to deploy.
    Read-only. What cannot be read (no credentials for an account, access denied) is
    listed with the reason, and the rest is still shown. Exit 0 even then.
    """
    from pipekit.project import layout
    from pipekit.release.overlap import started
    from pipekit.recovery.setup_status import setup_status
    from pipekit.recovery.status import status_report
    from pipekit.ui.console import print_json
    from pipekit.ui.status import StatusView, print_setup

    cfg = app.config
    only = app.environment(env_name) if env_name else None
    clients = app.aws(only.account if only else None, profile, region)
    names = [env.name for env in ([only] if only else cfg.environments)]
    stage = layout.stage_name(only) if only else None
    if watch:
        from pipekit.recovery.status_watch import watch as watch_status
        from pipekit.ui.status import WatchView

        view = WatchView(interval, output_format == "json")
        try:
            watch_status(lambda: status_report(cfg, names, clients, stage), view.changed, interval=interval)
        except KeyboardInterrupt:
            pass  # Ctrl-C ends a watch; that is success
        finally:
            view.close()
        return
    # The setup spans every account; --env looks at one environment. Read alongside the environments.
    setup = started(lambda: setup_status(cfg, clients)) if not only else None
    if output_format == "json":
        report = status_report(cfg, names, clients, stage)
        if setup:
            report = {"project": report.pop("project"), "setup": setup(), **report}
        print_json(report)
        return
    view, report = StatusView(names), None
    try:
        report = status_report(cfg, names, clients, stage, on_environment=view.arrived)
    finally:
        view.close(report)
    if setup:
        print_setup(setup())
