"""How render and init report what they wrote."""

from __future__ import annotations

from rich.syntax import Syntax
from rich.text import Text

from pipekit.project.files import FileResult, Outcome
from pipekit.ui.console import out

STYLES = {
    Outcome.CREATED: "green",
    Outcome.UPDATED: "cyan",
    Outcome.UNCHANGED: "dim",
    Outcome.SKIPPED: "yellow",
    Outcome.OBSOLETE: "magenta",
}


def report(results: list[FileResult], dry_run: bool = False) -> None:
    console = out()
    prefix = "would be " if dry_run else ""
    for result in results:
        line = Text.assemble((f"{prefix}{result.outcome.value:>9}", STYLES[result.outcome]), "  ", result.path)
        if result.reason:
            line.append(f"  ({result.reason})", style="dim")
        console.print(line)
        if dry_run and result.diff:
            console.print(Syntax(result.diff, "diff", theme="ansi_dark", background_color="default"))
    counts = {o: sum(1 for r in results if r.outcome is o) for o in Outcome}
    summary = ", ".join(f"{n} {o.value}" for o, n in counts.items() if n)
    console.print(Text(f"{'dry run: ' if dry_run else ''}{summary or 'nothing to render'}", style="bold"))


def to_json(results: list[FileResult], dry_run: bool) -> dict:
    return {
        "dry_run": dry_run,
        "files": [{"path": r.path, "outcome": r.outcome.value, "reason": r.reason, "backup": r.backup or None} for r in results],
    }
