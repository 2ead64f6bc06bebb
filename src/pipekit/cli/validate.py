"""pipekit validate: check the rendered files with cfn-lint, the SAM transform and
pipekit's cross-template checks."""

from __future__ import annotations

import click

from pipekit.cli.app import Application, pass_app
from pipekit.cli.options import format_option
from pipekit.errors import EXIT_FAILED


@click.command()
@click.option(
    "--only",
    "only",
    multiple=True,
    type=click.Choice(["cfn-lint", "sam", "rules", "permissions"]),
    help="Run only these checks (repeatable); default: all.",
)
@format_option
@pass_app
@click.pass_context
def validate(ctx: click.Context, app: Application, only: tuple[str, ...], output_format: str) -> None:
    """Check the rendered templates offline with the field's own tools.

    \b
    - cfn-lint on every CloudFormation template (errors and warnings both count)
    - the SAM transform (aws-sam-translator) on the service template
    - pipekit's cross-template rules (PK101...): roles the pipeline assumes exist in the
      target-account stack, account ids match pipekit.yaml, every environment has its
      stage, the buildspec publishes what the service template deploys
    - the permission preflight: every role along the chain (pipeline, deployment,
      CloudFormation execution, CodeBuild, review, hooks, functions) may do what it
      will be asked, under IAM's evaluation rules (boundaries, key and bucket
      policies across accounts, explicit denies); what cannot be proved is a finding

    \b
    pipekit validate
    pipekit validate --only permissions --format json

    Exit 0 when clean, 1 with findings, 2 for a bad config. See docs/validate.md.
    """
    from pipekit.project.names import CLOUDFORMATION_TEMPLATES
    from pipekit.ui import findings as findings_ui
    from pipekit.ui.console import print_json
    from pipekit.checks.validate import suppressed, validate_project

    found, hidden = suppressed(validate_project(app.root, app.config, set(only) or None), app.config)
    accepted = [{"rule": s.rule, "reason": s.reason, "findings": hidden[s.rule]} for s in app.config.validate_.suppress]
    checked = len(CLOUDFORMATION_TEMPLATES) + 1
    if output_format == "json":
        print_json({"ok": not found, "files_checked": checked, "findings": [f.to_json() for f in found], "suppressed": accepted})
    else:
        findings_ui.report(found, checked, accepted)
    if found:
        ctx.exit(EXIT_FAILED)
