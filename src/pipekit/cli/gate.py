"""pipekit gate: the pipeline's stage conditions (gates) at run time."""

from __future__ import annotations

from typing import Optional

import click

from pipekit.cli.app import Application, pass_app
from pipekit.cli.options import aws_options, format_option


@click.group()
def gate() -> None:
    """Act on the pipeline's gates (stage conditions): see docs/gates.md."""


@gate.command()
@click.option("--env", "env_name", required=True, help="Environment whose stage condition to override.")
@click.option("--condition", type=click.Choice(["entry", "success"]), required=True,
              help="entry: let a held execution into the stage; success: end the bake and let it leave.")
@click.option("--yes", "-y", is_flag=True, help="Override without asking (after showing what the condition saw).")
@aws_options
@format_option
@pass_app
@click.pass_context
def override(ctx: click.Context, app: Application, env_name: str, condition: str, yes: bool,
             profile: Optional[str], region: Optional[str], output_format: str) -> None:
    """Override a stage condition that holds an execution (OverrideStageCondition), after
    showing what the condition and each of its rules saw.

    \b
    pipekit gate override --env prod --condition entry
    pipekit gate override --env prod --condition success --yes

    Reads the pipeline's state in the build account, shows the condition's status and its
    rules' results (an alarm in ALARM, a closed deployment window), asks, then overrides it
    for the execution it holds. Exit 0 overridden, 1 nothing to override, declined or AWS
    refused, 2 usage.
    """
    from pipekit.aws.errors import aws_errors
    from pipekit.config import BUILD_ACCOUNT
    from pipekit.errors import UsageError
    from pipekit.project import layout, names
    from pipekit.release import gates
    from pipekit.ui.console import print_json
    from pipekit.ui.gates import render_condition

    if not yes and not app.can_ask():
        raise UsageError("no terminal to ask on: pass --yes to override")
    if not yes and output_format == "json":
        raise UsageError("--format json is for scripts, which cannot be asked: pass --yes (the JSON shows what the condition saw)")
    cfg = app.config
    env = app.environment(env_name)
    stage, pipeline_name = layout.stage_name(env), names.pipeline_name(cfg)
    pipeline = app.aws(BUILD_ACCOUNT, profile, region)(BUILD_ACCOUNT, "codepipeline")
    with aws_errors(BUILD_ACCOUNT):
        held = gates.to_override([c for s in pipeline.stage_states(pipeline_name) for c in s.conditions], stage, condition)
    if output_format == "text":
        render_condition(held)
    if not yes and not Application.confirm(f"Override the {condition} condition of {stage} for execution {held.execution_id}?"):
        click.echo("Nothing overridden; the condition still holds the execution.")
        ctx.exit(1)
    with aws_errors(BUILD_ACCOUNT):
        pipeline.override_condition(pipeline_name, stage, held.execution_id, held.kind)
    if output_format == "json":
        print_json({"stage": stage, "condition": gates.as_data(held), "overridden": True})
    else:
        click.echo(f"Overrode the {condition} condition of {stage} for execution {held.execution_id}.")
