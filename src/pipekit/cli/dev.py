"""pipekit dev: a developer's own copy of the service in the dev account."""

from __future__ import annotations

from typing import Optional

import click

from pipekit.cli.app import Application, pass_app
from pipekit.cli.options import aws_options, format_option
from pipekit.errors import EXIT_FAILED, UsageError

env_option = click.option("--env", "env_name", help="Environment to use; default: the one with personal_stacks in pipekit.yaml.")
name_option = click.option("--name", help="Your stack's name: <project>-svc-<env>-<name>. Default: your login name.")


@click.group()
def dev() -> None:
    """Your own stack of the service in a dev account: build, deploy, destroy.

    \b
    pipekit dev deploy              build and deploy <project>-svc-dev-<you>
    pipekit dev deploy --watch      and again whenever the code changes
    pipekit dev destroy             remove it

    Only environments with `personal_stacks` in pipekit.yaml take personal stacks, and
    only when every environment in their account does: never beside prod.
    """


def _target(app: Application, env_name: Optional[str], name: Optional[str]):
    import getpass

    from pipekit.develop import personal

    env = personal.environment_for(app.config, env_name)
    return personal.personal_stack(app.config, env, personal.personal_name(name, getpass.getuser()))


@dev.command("deploy")
@env_option
@name_option
@click.option("--watch", is_flag=True, help="Stay, and build and deploy again when a source file changes (Ctrl-C stops).")
@click.option("--stack-only", is_flag=True, help="With --watch: always go through the stack, never straight into the functions.")
@aws_options
@format_option
@pass_app
@click.pass_context
def deploy(ctx: click.Context, app: Application, env_name: Optional[str], name: Optional[str], watch: bool, stack_only: bool,
           profile: Optional[str], region: Optional[str], output_format: str) -> None:
    """Build the service from this working tree and deploy your own stack.

    \b
    The build runs the buildspec's own publish commands (dotnet publish per function,
    for the configured runtime and architecture), so what you deploy is built as the
    pipeline builds it. The code goes to the artifact bucket under its SHA-256 (or to
    personal_stacks.bucket), and the stack <project>-svc-<env>-<name> is deployed through
    a change set, shown and followed as `pipekit deploy` does; it takes all traffic at
    once (AllAtOnce). It is your stack: the change set runs without asking.

    \b
    With --watch, a change in the function projects, the service template or the hooks
    builds again; when only function code changed since the last deploy, the code goes
    straight into the functions (UpdateFunctionCode and a new version on the live alias)
    instead of through CloudFormation: dev only, and said so each time (--stack-only
    turns it off).

    Ctrl-C while waiting for changes ends a watch with exit 0; during a deploy it deletes
    the change set not yet executed and exits 130, as `pipekit deploy` does.

    Exit 0 deployed (or nothing to change), 1 the build or the deploy failed, 2 usage,
    config or credentials, or an environment that does not take personal stacks.
    """
    from pipekit.develop import build as building
    from pipekit.develop import personal
    from pipekit.develop import watch as watching
    from pipekit.develop.deploy import PersonalDeploy
    from pipekit.project import names
    from pipekit.release import deploy as release
    from pipekit.release import interrupt
    from pipekit.ui.deploy_report import make_reporter
    from pipekit.ui.dev import DevReporter

    cfg, root = app.config, app.root
    target = _target(app, env_name, name)
    if not (root / names.SERVICE_TEMPLATE).exists():
        raise UsageError(f"{root / names.SERVICE_TEMPLATE}: not found (run `pipekit render` first)")
    clients = app.aws(target.account, profile, region)
    cloudformation = clients(target.account, "cloudformation")  # checks the account id first
    reporter, dev_reporter = make_reporter(output_format), DevReporter(output_format)

    def upload(plan: release.StackPlan, code: release.CodeUpload) -> None:
        personal.upload_code(clients(target.bucket_account, "s3"), target, code)

    def execute(change_set) -> bool:
        reporter.executing(change_set.stack_name, change_set.name)
        return True  # your own stack: no question

    def deploy_stack(plan: release.StackPlan) -> list[release.StackOutcome]:
        reporter.plan([plan], False)
        deployer = release.StackDeployer(cloudformation, reporter, execute)
        # Ctrl-C deletes a change set not yet executed, as deploy does (exit 130).
        with interrupt.guarded(deployer, f"pipekit dev deploy --name {target.name}"):
            try:
                outcomes = release.deploy_stacks([plan], deployer, lambda source: None, reporter.outcome, upload=upload)
            finally:
                reporter.stop()
        reporter.summary(outcomes, all(o.ok for o in outcomes))
        return outcomes

    session = PersonalDeploy(
        cfg, root, target,
        build=lambda on_command: building.build(cfg, root, on_command),
        deploy=deploy_stack, cloudformation=cloudformation, functions=clients(target.account, "lambda"),
        on_event=dev_reporter, direct_code=not stack_only,
    )
    if not watch:
        done = session.once()
        dev_reporter.round_done(done)
        if not done.ok:
            ctx.exit(EXIT_FAILED)
        return

    watching.keep_deploying(session, dev_reporter)


@dev.command("destroy")
@env_option
@name_option
@click.option("--yes", "-y", is_flag=True, help="Delete without asking.")
@aws_options
@format_option
@pass_app
@click.pass_context
def destroy(ctx: click.Context, app: Application, env_name: Optional[str], name: Optional[str], yes: bool,
            profile: Optional[str], region: Optional[str], output_format: str) -> None:
    """Delete your own stack, and nothing else.

    \b
    Deletes <project>-svc-<env>-<name> only when its tags say `pipekit dev deploy --name
    <name>` made it for this project; any other stack of that name is refused. On a
    terminal it asks first (--yes skips); without one pass --yes. The code it ran stays
    in the bucket under dev/<name>/ (the artifact bucket's lifecycle rules apply).
    Exit 0 deleted or absent, 1 the deletion failed or the stack is not yours, 2 usage.
    """
    from pipekit.develop.destroy import destroy as destroy_stack
    from pipekit.ui.deploy_report import make_reporter
    from pipekit.ui.dev import DevReporter

    target = _target(app, env_name, name)
    if not yes and (output_format == "json" or not app.can_ask()):
        raise UsageError("no terminal to confirm on: pass --yes to delete the stack")
    cloudformation = app.aws(target.account, profile, region)(target.account, "cloudformation")
    reporter = make_reporter(output_format)

    def confirm(stack: str) -> bool:
        return yes or app.confirm(f"Delete stack {stack} in {target.account} ({target.account_id})?")

    try:
        result = destroy_stack(cloudformation, target, app.config.project, reporter, confirm)
    finally:
        reporter.stop()
    DevReporter(output_format).destroyed(result)
    if result.result == "failed":
        ctx.exit(EXIT_FAILED)
