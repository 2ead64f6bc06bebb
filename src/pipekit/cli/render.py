"""pipekit render: re-render every file from pipekit.yaml, safely."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from pipekit.cli.app import Application, pass_app
from pipekit.cli.options import format_option

if TYPE_CHECKING:
    from pipekit.config import Config
    from pipekit.project.files import FileResult


@click.command()
@click.option("--dry-run", is_flag=True, help="Show what would change (with diffs of files you edited) and write nothing.")
@click.option("--force", is_flag=True, help="Overwrite files you edited since pipekit wrote them (your version is kept as NAME.user-edited.bak).")
@format_option
@pass_app
def render(app: Application, dry_run: bool, force: bool, output_format: str) -> None:
    """Render the pipeline, account and service templates and the buildspecs from pipekit.yaml.

    A file you edited since pipekit wrote it is skipped with a warning (see the diff with
    --dry-run) unless --force, which keeps your version next to it and names it. A file
    that is a symlink is written through the link. Writing is all-or-nothing: on a write
    error (disk full, read-only folder) nothing is changed and the exit code is 1.
    Rendering an unchanged config changes nothing.
    """
    write_project(app.root, app.config, dry_run=dry_run, force=force, output_format=output_format)


def write_project(root: Path, cfg: "Config", *, dry_run: bool, force: bool, output_format: str) -> list["FileResult"]:
    """Render, write (unless dry-run) and report; shared by render and init."""
    from pipekit.project import files
    from pipekit.project.render import render_all
    from pipekit.ui import files as files_ui
    from pipekit.ui.console import print_json, warn

    rendered = render_all(cfg)
    results = files.plan_writes(root, rendered, force=force)
    if not dry_run:
        files.apply_writes(root, rendered, results)
    if output_format == "json":
        print_json(files_ui.to_json(results, dry_run))
    else:
        files_ui.report(results, dry_run=dry_run)
        for result in results:
            if result.outcome is files.Outcome.SKIPPED:
                warn(f"{result.path} was not rendered: {result.reason}")
    return results
