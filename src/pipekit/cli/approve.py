"""pipekit approve: answer the pipeline's manual gate after seeing the change set it gates."""

from __future__ import annotations

import contextlib
from typing import Iterator, Optional

import click

from pipekit.cli.app import Application, pass_app
from pipekit.cli.options import aws_options


@click.command()
@click.option("--env", help="Environment whose approval to answer (needed when several wait).")
@click.option("--approve", "approve_flag", is_flag=True, help="Approve (with --yes: without asking).")
@click.option("--reject", "reject_flag", is_flag=True, help="Reject (with --yes: without asking).")
@click.option("--summary", "note", help="Your reason, recorded with the answer.")
@click.option("--yes", "-y", is_flag=True, help="Answer without asking; needs --approve or --reject.")
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True,
    help="How to print the release dossier and the change set before answering.",
)
@aws_options
@pass_app
@click.pass_context
def approve(
    ctx: click.Context,
    app: Application,
    env: Optional[str],
    approve_flag: bool,
    reject_flag: bool,
    note: Optional[str],
    yes: bool,
    output_format: str,
    profile: Optional[str],
    region: Optional[str],
) -> None:
    """Approve or reject the pipeline's waiting manual approval, after showing the change
    set it gates with its risk verdict.

    \b
    pipekit approve
    pipekit approve --env prod --reject --summary "replaces the orders table" --yes

    Reads the pipeline's state in the build account, finds the waiting approval, works out
    from the stage's create-change-set action which stack, change set and account it
    gates, shows that change set (saying so when the stage is running a stage rollback,
    and to which execution: a rollback is approved like any change), and records the answer with a summary that names the
    change set and the verdict. Exit 0 answered, 1 nothing waiting or AWS refused, 2 usage.
    """
    from pipekit.aws.errors import aws_errors
    from pipekit.config import BUILD_ACCOUNT
    from pipekit.errors import UsageError
    from pipekit.release import approvals

    if approve_flag and reject_flag:
        raise UsageError("--approve and --reject cannot be given together; choose one")
    decision = "approve" if approve_flag else "reject" if reject_flag else None
    environment = app.environment(env) if env else None  # an unknown name is refused before any AWS call
    if yes and not decision:
        raise UsageError("--yes needs --approve or --reject")
    if not yes and not app.can_ask():
        raise UsageError("no terminal to ask on: pass --approve or --reject, and --yes")
    with _ctrl_c_means("interrupted: nothing was answered; the approval still waits"):
        pipeline, waiting, gate, review, rollback = _read_and_show(app, environment, output_format, profile, region)
        approved = _decide(decision, yes, gate)
    if approved is None:
        click.echo("Nothing answered; the approval is still waiting.")
        ctx.exit(1)
    with _ctrl_c_means(f"interrupted while the answer was being sent: it may or may not have been recorded; "
                       f"`pipekit status` shows whether {waiting.stage} still waits"):
        with aws_errors(BUILD_ACCOUNT):
            pipeline.answer(waiting, approved, approvals.summary(gate, review, approved, note, rollback))
    click.echo(f"{'Approved' if approved else 'Rejected'} {waiting.stage}/{waiting.action} of pipeline {waiting.pipeline}.")


@contextlib.contextmanager
def _ctrl_c_means(message: str) -> Iterator[None]:
    """Ctrl-C (or at a question, click's Abort) as one line that says what it left; exit 130."""
    from pipekit.errors import Interrupted

    try:
        yield
    except (KeyboardInterrupt, click.Abort):
        raise Interrupted(message) from None


def _read_and_show(app: Application, environment, output_format: str, profile: Optional[str], region: Optional[str]):
    """The waiting approval, the change set it gates and the dossier, printed."""
    from pipekit.aws.errors import aws_errors
    from pipekit.config import BUILD_ACCOUNT
    from pipekit.project import names
    from pipekit.release import approvals
    from pipekit.release.changesets import load_review
    from pipekit.release.rollback_detection import rollback_of
    from pipekit.ui.review import print_review
    from pipekit.ui import dossier as dossier_ui

    cfg = app.config
    clients = app.aws(BUILD_ACCOUNT, profile, region)
    pipeline = clients(BUILD_ACCOUNT, "codepipeline")
    with aws_errors(BUILD_ACCOUNT):
        waiting = approvals.choose(pipeline.pending_approvals(names.pipeline_name(cfg)), environment)
        actions = pipeline.stage_actions(waiting.pipeline, waiting.stage)
        gate = approvals.gate_of(waiting, actions, cfg)
        # a stage rollback re-runs review and approval: say so, and to which execution
        rollback = rollback_of(pipeline, waiting.pipeline, waiting.execution_id, waiting.execution_type)
    cf = clients(gate.account, "cloudformation")
    with aws_errors(gate.account):
        review = load_review(cf, gate.stack, gate.change_set)
    dossier = _dossier(clients, cfg, waiting, actions, review, rollback)
    if output_format == "json":
        from pipekit.ui.console import print_json
        from pipekit.ui.review import to_json

        print_json({"dossier": dossier.to_json(), "review": to_json(review)})
    elif output_format == "markdown":
        from pipekit.ui.review import render_markdown

        click.echo(dossier_ui.render_markdown(dossier))
        click.echo(render_markdown(review), nl=False)
    else:
        if rollback:
            click.echo(approvals.rollback_notice(rollback))
        click.echo("\n".join(dossier_ui.render_lines(dossier)))
        print_review(review, "table")
    return pipeline, waiting, gate, review, rollback


def _dossier(clients, cfg, waiting, actions, review, rollback):
    """What the approver needs besides the change set: commits, tests, the time in the
    environment before and its alarms, the approval's expiry (release/dossier_sources.py)."""
    from datetime import datetime, timezone

    from pipekit.config import BUILD_ACCOUNT
    from pipekit.project import layout, names
    from pipekit.release.approvals import dossier_scope
    from pipekit.release.dossier_sources import NamedAlarmHistory, gather

    scope = dossier_scope(waiting, actions, cfg)
    previous = scope.previous
    # The service's alarms there, by name: what the approvers' policy allows (alarm:<service>-*).
    alarms = names.service_alarms(cfg, names.service_stack(cfg, previous.name)) if previous else []
    return gather(
        clients(BUILD_ACCOUNT, "codepipeline"), clients(BUILD_ACCOUNT, "codebuild"),
        pipeline=waiting.pipeline, stage=waiting.stage, environment=scope.environment,
        execution_id=rollback.execution_id if rollback else waiting.execution_id, review=review,
        previous=(layout.stage_name(previous), previous.name) if previous else None,
        cloudwatch=(lambda: NamedAlarmHistory(clients(previous.account, "cloudwatch"), alarms)) if previous else None,
        approval_since=waiting.since, approval_timeout=scope.timeout_minutes,
        rollback=rollback.describe() if rollback else "", now=datetime.now(timezone.utc),
    )


def _decide(decision: Optional[str], yes: bool, gate) -> Optional[bool]:
    if decision and yes:
        return decision == "approve"
    if decision:
        verb = "Approve" if decision == "approve" else "Reject"
        return (decision == "approve") if Application.confirm(f"{verb} change set {gate.change_set} of {gate.stack}?") else None
    answer = click.prompt("Approve, reject, or cancel?", type=click.Choice(["approve", "reject", "cancel"]), default="cancel")
    return None if answer == "cancel" else answer == "approve"
