"""pipekit drift: what no longer matches its template in an environment, and putting it back."""

from __future__ import annotations

from typing import Optional

import click

from pipekit.cli.app import Application, pass_app
from pipekit.cli.options import aws_options

STACKS = ("all", "service", "roles")


@click.command()
@click.option("--env", "env_name", required=True, help="Environment whose stacks to check.")
@click.option("--stack", "which", type=click.Choice(STACKS), default="all", show_default=True,
              help="service: the environment's service stack; roles: pipekit's deployment-roles stack in its account; all: both.")
@click.option("--format", "output_format", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.option("--fail-on", type=click.Choice(["none", "drift"]), default="none", show_default=True,
              help="Exit 3 when any resource has drifted.")
@click.option("--revert", is_flag=True, help="Put the service stack's drifted properties back to its template (a drift-aware change set).")
@click.option("--yes", "-y", is_flag=True, help="With --revert: execute without asking.")
@click.option("--no-execute", is_flag=True, help="With --revert: create and show the change set, leave it for review.")
@click.option("--dry-run", is_flag=True, help="With --revert: read the stack, print the plan and stop (changes nothing).")
@aws_options
@pass_app
@click.pass_context
def drift(
    ctx: click.Context,
    app: Application,
    env_name: str,
    which: str,
    output_format: str,
    fail_on: str,
    revert: bool,
    yes: bool,
    no_execute: bool,
    dry_run: bool,
    profile: Optional[str],
    region: Optional[str],
) -> None:
    """Detect drift on an environment's stacks and show, per property, the template's
    value against the live one; or revert the service stack's drift.

    \b
    pipekit drift --env dev
    pipekit drift --env prod --format markdown > drift.md
    pipekit drift --env prod --fail-on drift          # exit 3 when anything drifted
    pipekit drift --env dev --revert                  # show, confirm, execute
    pipekit drift --env dev --revert --no-execute     # leave the change set for review

    Detection (DetectStackDrift, then DescribeStackResourceDrifts) runs in CloudFormation
    and reads each resource with YOUR credentials: without read access to a resource
    type, detection ends incomplete and says which. --revert creates a drift-aware change
    set (DeploymentMode REVERT_DRIFT) over the stack's own template and parameter values,
    shows each property's live and template values and whether it is written or only
    resynced, and executes it after the same confirmation as deploy (or --yes). In an
    environment with a manual approval it is refused: changes there go through the
    pipeline's review and approval. Exit 0 no drift (or reverted), 1 detection or revert
    failed, 2 usage, 3 drift found with --fail-on drift.
    """
    from pipekit.aws.errors import aws_errors
    from pipekit.errors import EXIT_FAILED, EXIT_GATE, UsageError

    env = app.environment(env_name)
    if not revert and (yes or no_execute or dry_run):
        raise UsageError("--yes, --no-execute and --dry-run go with --revert")
    if revert:
        _refuse_gated(app, env)
        ctx.exit(_revert(app, env, output_format, yes, no_execute, dry_run, profile, region))
    from pipekit.recovery.drift import DriftReport, detect
    from pipekit.ui.drift import DriftProgressView, print_report

    cf = app.aws(env.account, profile, region)(env.account, "cloudformation")
    progress = DriftProgressView()
    try:
        with aws_errors(env.account):
            stacks = tuple(detect(cf, stack, progress) for stack in _stacks(app, env.name, which))
    finally:
        progress.stop()
    report = DriftReport(env.name, env.account, stacks)
    print_report(report, output_format)
    if report.trips(fail_on):
        ctx.exit(EXIT_GATE)
    if report.incomplete:
        ctx.exit(EXIT_FAILED)


def _stacks(app: Application, env: str, which: str) -> list[str]:
    from pipekit.project import names

    chosen = {"service": [names.service_stack(app.config, env)], "roles": [names.target_stack(app.config)]}
    return chosen.get(which) or chosen["service"] + chosen["roles"]


def _refuse_gated(app: Application, env) -> None:
    """A gated environment changes only through the pipeline's review and approval."""
    from pipekit.errors import UsageError
    from pipekit.project import names

    if env.approval == "manual":
        raise UsageError(
            f"environment {env.name} is gated by a manual approval, so pipekit will not change it around the gate: "
            f"release through the pipeline (aws codepipeline start-pipeline-execution --name {names.pipeline_name(app.config)}), "
            f"then review the change set with its overwrites-drift risks (pipekit changeset show --env {env.name} --drift) "
            f"and answer the approval (pipekit approve --env {env.name})"
        )


def _revert(app: Application, env, output_format: str, yes: bool, no_execute: bool, dry_run: bool,
            profile: Optional[str], region: Optional[str]) -> int:
    from pipekit.aws.errors import aws_errors
    from pipekit.errors import EXIT_FAILED, UsageError
    from pipekit.project import names
    from pipekit.recovery.revert import RevertRunner, plan_revert
    from pipekit.ui.deploy_report import make_reporter
    from pipekit.ui.drift import print_revert, print_revert_outcome

    cf = app.aws(env.account, profile, region)(env.account, "cloudformation")
    with aws_errors(env.account):
        plan = plan_revert(cf, env.account, names.service_stack(app.config, env.name))
    if dry_run:
        click.echo("\n".join(plan.describe()))
        return 0
    if not (yes or no_execute) and (output_format == "json" or not app.can_ask()):
        raise UsageError("no terminal to confirm on: pass --yes to execute, or --no-execute to only create the change set")
    quiet = output_format == "json"  # the one JSON document comes at the end
    reporter = make_reporter("text")
    runner = RevertRunner(cf, lambda event: None if quiet else reporter(event))
    try:
        with aws_errors(env.account):
            outcome, preview = runner.run(plan, lambda shown: None if quiet else print_revert(shown, output_format),
                                          lambda question: yes or app.confirm(question), execute=not no_execute)
    finally:
        reporter.stop()
    print_revert_outcome(outcome, preview, output_format)
    return 0 if outcome.result in ("succeeded", "nothing_to_revert", "created_only") else EXIT_FAILED
