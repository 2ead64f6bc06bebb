"""Options and helpers several commands share."""

from __future__ import annotations

import click

# release.review.FAIL_ON, written out so that --help does not import the review (a test keeps them equal)
FAIL_ON = ["none", "any", "overwrites-drift", "permission", "permission-broadening", "outage", "public-access", "data-loss"]

format_option = click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json prints one machine-readable document (keys documented in docs/commands.md).",
)



def fail_on_option(what_happens: str, note: str = ""):
    """--fail-on RISK; `what_happens` says what the command does when the gate trips."""
    worst_first = ", ".join(reversed(FAIL_ON[2:]))
    return click.option(
        "--fail-on",
        type=click.Choice(FAIL_ON),
        default="none",
        show_default=True,
        help=f"{what_happens} when this risk (or a worse one; 'any': any risk) is present. Worst first: {worst_first}.{note}",
    )


def aws_options(command):
    """--profile and --region, which override what pipekit.yaml says for the account."""
    command = click.option("--region", help="Region to use instead of pipekit.yaml's.")(command)
    command = click.option(
        "--profile",
        help="AWS profile for the account the command is about, instead of pipekit.yaml's; other accounts it reads keep theirs.",
    )(command)
    return command
