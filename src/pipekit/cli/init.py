"""pipekit init: a new project folder, from a starter pipekit.yaml or a bundled example."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import click

from pipekit.cli.app import Application
from pipekit.cli.options import format_option

PROMPTS = {
    "project": "Project name (lowercase, prefixes every AWS resource)",
    "region": "AWS region",
    "build_account": "Build account id (hosts the pipeline)",
    "dev_account": "Dev account id",
    "prod_account": "Prod account id",
    "repository": "Repository (owner/name for CodeConnections)",
    "connection_arn": "CodeConnections connection ARN",
}


def _write_skeleton(directory: Path, cfg, output_format: str) -> None:
    """The .NET projects the starter names, so that the first build has something to build."""
    from pipekit.project import skeleton
    from pipekit.project.files import write_new_file

    for rel, text in skeleton.files(cfg, skeleton.missing(directory, cfg)).items():
        if write_new_file(directory / rel, text) is None and output_format != "json":
            click.echo(f"  created  {rel}")


def _checked(field: str, source: str):
    """An answer is checked when it is given; a bad one is explained and asked again."""
    from pipekit.project.answers import answer_problem

    def check(value: str) -> str:
        problem = answer_problem(field, value.strip(), source)
        if problem:
            raise click.UsageError(problem)
        return value.strip()

    return check


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--example", metavar="NAME", help="Copy a bundled example (dotnet-service) instead of the starter config.")
@click.option("--project", help="Project name; prefixes every AWS resource. Default: the folder's name.")
@click.option("--region", help="AWS region of the pipeline and services.")
@click.option("--build-account", metavar="ID", help="12-digit id of the build account.")
@click.option("--dev-account", metavar="ID", help="12-digit id of the dev account.")
@click.option("--prod-account", metavar="ID", help="12-digit id of the prod account.")
@click.option("--source", type=click.Choice(["codeconnections", "codecommit"]), default="codeconnections", show_default=True)
@click.option("--repository", help="Source repository: owner/name (CodeConnections) or name (CodeCommit).")
@click.option("--connection-arn", metavar="ARN", help="CodeConnections connection ARN (source codeconnections).")
@format_option
def init(
    directory: Path,
    example: Optional[str],
    source: str,
    output_format: str,
    **values: Optional[str],
) -> None:
    """Create a project in DIRECTORY and render it.

    \b
    pipekit init --example dotnet-service orders     the bundled .NET example
    pipekit init orders --build-account 111111111111 --dev-account ... --prod-account ...

    Without --example, pipekit writes a commented starter pipekit.yaml from the options,
    asking for what is missing on a terminal. DIRECTORY must be new or empty: init never
    overwrites anything. The config is validated before a single file is written.
    """
    from pipekit.project import examples, scaffold
    from pipekit.cli.render import write_project
    from pipekit.config import DEFAULT_CONFIG
    from pipekit.errors import UsageError
    from pipekit.project.files import write_new_file
    from pipekit.project.render import render_all

    scaffold.ensure_empty(directory)
    if example:
        text, cfg = scaffold.example_config(example, values.get("project"))
    else:
        values["project"] = values.get("project") or scaffold.default_project(directory)
        missing = scaffold.missing_starter_fields(values, source)
        if missing and Application.can_ask():
            for field in missing:
                values[field] = click.prompt(PROMPTS[field], default="eu-west-1" if field == "region" else None,
                                             value_proc=_checked(field, source))
        missing = scaffold.missing_starter_fields(values, source)
        if missing:
            options = ", ".join(scaffold.STARTER_FIELDS[f] for f in missing)
            raise UsageError(f"missing {options} (no terminal to ask on); or start from --example dotnet-service")
        text, cfg = scaffold.starter_config({k: v for k, v in values.items() if v}, source)

    directory.mkdir(parents=True, exist_ok=True)
    if example:
        examples.copy_example(example, directory, frozenset(render_all(cfg)))
        (directory / DEFAULT_CONFIG).write_text(text, encoding="utf-8")
    else:
        write_new_file(directory / DEFAULT_CONFIG, text)
        _write_skeleton(directory, cfg, output_format)
    write_project(directory, cfg, dry_run=False, force=False, output_format=output_format)
    if output_format != "json":
        from pipekit.ui.console import out

        out().print(f"\nNext: cd {directory} && $EDITOR pipekit.yaml && pipekit render && pipekit validate")
