"""pipekit changeset show: a change set made easy to judge."""

from __future__ import annotations

from typing import Optional

import click

from pipekit.cli.app import Application, pass_app
from pipekit.cli.options import aws_options, fail_on_option



@click.group()
def changeset() -> None:
    """Review CloudFormation change sets."""


@changeset.command()
@click.option("--env", "env", help="Environment: its account and its service stack.")
@click.option("--account", help="Account (a key of accounts in pipekit.yaml).")
@click.option("--stack", help="Stack (default: the environment's service stack).")
@click.option("--name", help="Change set name or ARN (default: the stack's newest one waiting to run).")
@click.option("--format", "output_format", type=click.Choice(["table", "json", "markdown"]), default="table", show_default=True)
@fail_on_option("Exit 3")
@click.option(
    "--drift/--no-drift",
    default=None,
    help="Detect the stack's drift first, so that changes resetting drifted properties show overwrites-drift "
    "(default: on when --fail-on is any or overwrites-drift).",
)
@aws_options
@pass_app
@click.pass_context
def show(
    ctx: click.Context,
    app: Application,
    env: Optional[str],
    account: Optional[str],
    stack: Optional[str],
    name: Optional[str],
    output_format: str,
    fail_on: str,
    drift: Optional[bool],
    profile: Optional[str],
    region: Optional[str],
) -> None:
    """Show a change set with the risk of each change and a verdict for the whole set.

    \b
    pipekit changeset show --env prod
    pipekit changeset show --account prod --stack orders-svc-prod --name pipekit-123
    pipekit changeset show --env prod --format markdown > review.md
    pipekit changeset show --env prod --fail-on data-loss      # exit 3 when present

    Risks: data-loss (a table, bucket, key, user pool, log group, queue... removed or
    replaced without a Retain/Snapshot policy), public-access (a policy statement open
    to Principal * without a condition, a function URL without auth, a bucket's public
    access block switched off), outage (something clients reach, such as an API, a
    function or an alias, replaced or removed), permission-broadening (a role, policy,
    boundary or resource policy grants new actions, resources or principals, or loses a
    condition or a Deny), permission (IAM, resource policies, security groups added or
    changed), overwrites-drift (with --drift: a change resets a property that was changed
    outside CloudFormation, e.g. a console hotfix). Narrowing is shown, never a risk.
    Conditional replacements, and those that depend on a value known only after apply,
    are shown as possible.
    Read-only: DescribeChangeSet, ListChangeSets, GetTemplate; with --drift also
    DescribeStacks and DetectStackDrift, which reads each resource with your credentials.
    """
    from pipekit.aws.errors import aws_errors
    from pipekit.errors import EXIT_GATE
    from pipekit.release.changesets import load_review, newest_pending, review_target
    from pipekit.release.review import OVERWRITES_DRIFT
    from pipekit.ui.drift import DriftProgressView
    from pipekit.ui.review import print_review

    account, stack = review_target(app.config, account, app.environment(env) if env else None, stack)
    cf = app.aws(account, profile, region)(account, "cloudformation")
    if drift is None:
        drift = fail_on in ("any", OVERWRITES_DRIFT)
    progress = DriftProgressView()
    try:
        with aws_errors(account):
            review = load_review(cf, stack, name or newest_pending(cf, stack), drift=drift, on_drift=progress)
    finally:
        progress.stop()
    print_review(review, output_format)
    if review.trips(fail_on):
        ctx.exit(EXIT_GATE)

