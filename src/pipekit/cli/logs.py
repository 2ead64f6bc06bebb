"""pipekit logs: the service's CloudWatch logs in one environment, by function and version."""

from __future__ import annotations

from typing import Optional

import click

from pipekit.cli.app import Application, pass_app
from pipekit.cli.options import aws_options, format_option


@click.command()
@click.option("--env", "env_name", required=True, help="Environment whose service logs to read.")
@click.option("--name", "personal", metavar="NAME", help="Read the personal stack of `pipekit dev deploy --name NAME` instead.")
@click.option("--function", "function", metavar="NAME", help="Only this function (its name in pipekit.yaml, e.g. OrdersApi), with its hooks.")
@click.option("--version", "selector", metavar="live|new|old|N", help="Only lines of these versions (see below).")
@click.option("--since", default="10m", show_default=True, help="How far back to start: 30s, 10m, 2h, 1d.")
@click.option("--follow", "-f", is_flag=True, help="Keep printing new lines as they arrive (CloudWatch Live Tail) until Ctrl-C.")
@click.option("--errors", "errors_only", is_flag=True, help="Only error lines (level ERROR/FATAL/CRITICAL, or a timeout).")
@aws_options
@format_option
@pass_app
def logs(
    app: Application, env_name: str, personal: Optional[str], function: Optional[str], selector: Optional[str], since: str,
    follow: bool, errors_only: bool, profile: Optional[str], region: Optional[str], output_format: str,
) -> None:
    """Print the service's logs in one environment: every function's lines and its
    traffic hooks' structured lines, oldest first.

    \b
    pipekit logs --env prod --since 1h
    pipekit logs --env prod --function OrdersApi --version new --follow
    pipekit logs --env prod --errors --format json

    \b
    --version picks lines by the function version that wrote them (Lambda names each
    log stream after its version); the words follow the live alias during a shift:
      live  every version the alias sends traffic to (both, during a shift)
      new   the version traffic is moving to (the alias's version when nothing shifts)
      old   the version traffic is moving away from (only during a shift)
      N     version N
    A hook's lines count as the version it tests.

    --format json prints JSON Lines: one object per line with timestamp, function,
    source (function, pre-traffic hook, post-traffic hook), version, stream, level,
    message and fields. Read-only. Exit 0; 1 AWS refused; 2 bad options or config.
    """
    import time

    from pipekit.aws.logs import log_group_arn
    from pipekit.project import names
    from pipekit.recovery import logs as core
    from pipekit.ui.logs import printer

    cfg = app.config
    env = app.environment(env_name)
    start_ms = int(time.time() * 1000) - core.since_seconds(since) * 1000
    core.check_selector(selector)
    stack = names.personal_stack(cfg, env.name, personal) if personal else names.service_stack(cfg, env.name)
    groups = core.sources(cfg, env, stack, function)
    clients = app.aws(env.account, profile, region)
    selection = core.selection_for(
        clients(env.account, "cloudformation") if selector else None, clients(env.account, "lambda") if selector else None,
        stack, groups, selector, errors_only,
    )
    reader = clients(env.account, "logs")
    show = printer(output_format)
    for item in core.read_window(reader, groups, start_ms, None, selection):
        show(item)
    if not follow:
        return
    partition, account_id = names.partition(region or cfg.region), cfg.account_id(env.account)
    try:
        for item in core.follow(reader, groups, lambda group: log_group_arn(partition, region or cfg.region, account_id, group), selection):
            show(item)
    except KeyboardInterrupt:
        pass  # Ctrl-C ends a follow; that is success
