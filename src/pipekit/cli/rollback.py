"""pipekit rollback: get a bad release out of an environment."""

from __future__ import annotations

from typing import Optional

import click

from pipekit.cli.app import Application, pass_app
from pipekit.cli.options import aws_options


@click.command()
@click.option("--env", "env_name", required=True, help="Environment to roll back.")
@click.option("--dry-run", is_flag=True, help="Show the plan (steps, accounts, APIs, reasons) and change nothing.")
@click.option("--yes", "-y", is_flag=True, help="Carry the plan out without asking.")
@click.option("--to-execution", metavar="ID", help="Roll the stage back to this pipeline execution instead of the newest earlier good one.")
@click.option("--skip-resource", "skip", multiple=True, metavar="LOGICAL_ID", help="With a stuck rollback: resources that cannot roll back; repeatable.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@aws_options
@pass_app
@click.pass_context
def rollback(
    ctx: click.Context,
    app: Application,
    env_name: str,
    dry_run: bool,
    yes: bool,
    to_execution: Optional[str],
    skip: tuple[str, ...],
    output_format: str,
    profile: Optional[str],
    region: Optional[str],
) -> None:
    """Pick the remedy for a bad release, show the plan, and (once confirmed) carry it out.

    \b
    1. a traffic shift in progress   -> StopDeployment with auto-rollback
    2. the stack mid-update or stuck -> CancelUpdateStack / ContinueUpdateRollback / RollbackStack
    3. a finished release that is bad -> RollbackStage to the newest earlier successful
       execution (V2 pipelines): the previous artifact is redeployed through the same
       change-set path
    \b
    pipekit rollback --env prod --dry-run
    pipekit rollback --env prod --to-execution 1a2b3c4d-... --yes

    Exit 0 rolled back (or planned, with --dry-run), 1 nothing to roll back or it failed,
    2 usage, config or credentials.
    """
    from pipekit.errors import EXIT_FAILED, UsageError
    from pipekit.recovery.observe import observe
    from pipekit.recovery.rollback import plan
    from pipekit.recovery.runner import RollbackRunner
    from pipekit.ui.rollback import RollbackReporter

    cfg = app.config
    env = app.environment(env_name)
    if not (dry_run or yes) and (output_format == "json" or not app.can_ask()):
        raise UsageError("no terminal to confirm on: pass --yes to roll back, or --dry-run to see the plan")
    clients = app.aws(env.account, profile, region)
    reporter = RollbackReporter(output_format)
    rollback_plan = plan(observe(cfg, env, clients, to_execution), to_execution, skip)
    reporter.plan(rollback_plan, dry_run)
    if dry_run:
        return
    if not yes and not app.confirm(f"Carry out this rollback of {env.name}?"):
        click.echo("Nothing changed.")
        ctx.exit(EXIT_FAILED)
    try:
        result = RollbackRunner(clients, reporter).run(rollback_plan)
    finally:
        reporter.events.stop()  # no live view or heartbeat outlives the command
    reporter.finished(result)
    if not result.ok:
        ctx.exit(EXIT_FAILED)
