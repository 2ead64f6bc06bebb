"""pipekit deploy: put an account's stacks in place through change sets."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import click

from pipekit.cli.app import Application, pass_app
from pipekit.cli.options import aws_options, fail_on_option, format_option
from pipekit.errors import EXIT_FAILED, PipekitError, UsageError


def _parse_parameters(values: tuple[str, ...]) -> dict[str, str]:
    parsed = {}
    for value in values:
        key, sep, val = value.partition("=")
        if not sep or not key:
            raise UsageError(f"--parameter {value!r}: expected KEY=VALUE")
        parsed[key] = val
    return parsed


@click.command()
@click.option("--account", help="Account (a key of accounts in pipekit.yaml) whose stacks to deploy.")
@click.option("--env", "env_name", metavar="NAME", help="Instead of --account: the account of this environment.")
@click.option("--dry-run", is_flag=True, help="Print the plan (stacks, order, parameters) and stop; calls no AWS.")
@click.option("--yes", "-y", is_flag=True, help="Execute each change set without asking.")
@click.option("--no-execute", is_flag=True, help="Create and show the change sets, leave them for review, execute nothing.")
@click.option("--template", type=click.Path(dir_okay=False, path_type=Path), help="Deploy this template instead (with --stack-name).")
@click.option("--stack-name", help="Stack for --template, e.g. an isolated dev stack.")
@click.option("--parameter", "-p", "parameters", multiple=True, metavar="KEY=VALUE", help="Parameter for --template; repeatable.")
@click.option("--wait", "wait_turn", is_flag=True, help="If another deploy works on a stack, queue behind it instead of refusing.")
@click.option("--replace-failed", is_flag=True, help="Delete a stack left in ROLLBACK_COMPLETE by a failed first create, then create it.")
@fail_on_option("Show the change set, leave it unexecuted and exit 3",
                " With any or overwrites-drift, each existing stack's drift is detected first.")
@click.option("--allow-stale", is_flag=True, help="Deploy rendered templates even when pipekit.yaml now renders them differently.")
@aws_options
@format_option
@pass_app
@click.pass_context
def deploy(
    ctx: click.Context,
    app: Application,
    account: Optional[str],
    env_name: Optional[str],
    dry_run: bool,
    yes: bool,
    no_execute: bool,
    template: Optional[Path],
    stack_name: Optional[str],
    parameters: tuple[str, ...],
    replace_failed: bool,
    fail_on: str,
    allow_stale: bool,
    wait_turn: bool,
    profile: Optional[str],
    region: Optional[str],
    output_format: str,
) -> None:
    """Deploy the stacks of one account through change sets, with live progress.

    \b
    pipekit deploy --account build              artifact stack (and, once the targets are in place, the pipeline)
    pipekit deploy --account dev                the deployment roles in dev's account
    pipekit deploy --account prod --no-execute  create and show the change set only
    pipekit deploy --env prod --fail-on data-loss  execute unless a change set would lose data
    pipekit deploy --account dev --template packaged.yaml --stack-name orders-jane

    A first setup runs build, then every target account, then build again: the
    pipeline stack is created only when every target account's roles are in place
    (its first execution starts at once and assumes them); until then it is reported
    as waiting, with what to deploy first (reading those accounts' stacks).

    With a gated environment, the build account's plan first uploads the review
    function's code (this pipekit's own review modules, zipped) to the artifact bucket
    under its SHA-256, and passes that key to the pipeline stack.

    Before changing anything pipekit checks that the credentials belong to the account id
    pipekit.yaml names. Each change set is shown and, on a terminal, confirmed (--yes
    skips); without a terminal pass --yes or --no-execute. "No changes" is success.
    Rendered templates that pipekit.yaml would now render differently are refused (run
    `pipekit render`, or --allow-stale); --template may not name a stack pipekit manages.
    Another deploy working on a stack is refused with its change set and since when;
    --wait queues behind it. Ctrl-C deletes the change set not yet executed and exits 130;
    one that executes goes on in AWS (see docs/reliability.md).
    Exit 0 deployed or nothing to change, 1 a stack failed (its cause is shown), 2 usage,
    config or credential problems, 3 a change set tripped --fail-on (not executed), 130 interrupted.
    """
    from pipekit.aws.errors import aws_errors
    from pipekit.release import deploy as core
    from pipekit.release import guards
    from pipekit.release.gate import RiskGate
    from pipekit.release import interrupt
    from pipekit.release.template_url import by_url_when_large
    from pipekit.ui.deploy_report import make_reporter

    if bool(account) == bool(env_name):
        raise UsageError("give --account NAME or --env NAME (one of them)")
    account = app.environment(env_name).account if env_name else account
    if template is not None and stack_name:
        guards.refuse_managed_stack(app.config, stack_name)
    plans = core.plan_account(app.config, app.root, account, template=template, stack_name=stack_name, parameters=_parse_parameters(parameters))
    if template is None and not allow_stale:
        guards.refuse_stale(app.root, app.config, [plan.template for plan in plans])
    plans = [by_url_when_large(app.config, plan) for plan in plans]
    reporter = make_reporter(output_format)
    reporter.plan(plans, dry_run)
    if dry_run:
        return
    if not (yes or no_execute) and (output_format == "json" or not app.can_ask()):
        raise UsageError("no terminal to confirm on: pass --yes to execute, or --no-execute to only create the change sets")

    clients = app.aws(account, profile, region)
    clients.check_in_background = True  # reads overlap the account check; nothing is written before it
    cloudformation = clients(account, "cloudformation")

    def stack_in(account_name: str, stack_name: str):
        with aws_errors(account_name):
            return clients(account_name, "cloudformation").describe_stack(stack_name)

    def read_output(source: core.FromOutput) -> Optional[str]:
        stack = stack_in(source.account, source.stack)
        return stack.outputs.get(source.output) if stack else None

    def status_of(step) -> Optional[str]:
        stack = stack_in(step.account, step.stack)
        return stack.status if stack else None

    def confirm(change_set) -> bool:
        if not yes:
            reporter.stop()
            try:
                if not app.confirm(f"Execute change set {change_set.name} on {change_set.stack_name}?"):
                    return False
            except click.Abort:  # Ctrl-C at the question: settled like any other
                raise KeyboardInterrupt from None
        reporter.executing(change_set.stack_name, change_set.name)
        return True

    def upload(plan: core.StackPlan, code: core.CodeUpload) -> None:
        clients(plan.account, "s3").put_if_absent(code.bucket, code.key, code.body, code.sha256)

    gate = RiskGate(fail_on, reporter, confirm)
    # overwrites-drift needs the stacks' drift: detected only when the gate can trip on it.
    deployer = core.StackDeployer(cloudformation, gate.on_event, gate.confirm, wait_turn=wait_turn,
                                  drift=fail_on in ("any", "overwrites-drift"))
    with interrupt.guarded(deployer, f"pipekit deploy --account {account}"):
        try:
            outcomes = core.deploy_stacks(
                plans, deployer, read_output, reporter.outcome, execute=not no_execute, replace_failed=replace_failed, upload=upload,
                status_of=status_of,
            )
        except PipekitError:
            clients.settle()  # a wrong account explains the failure better than the failure does
            raise
        finally:
            reporter.stop()
    ok = all(o.ok for o in outcomes)
    reporter.summary(outcomes, ok)
    gate.check()
    if not ok:
        ctx.exit(EXIT_FAILED)
