"""How validate reports findings: file:line rule message, one per line."""

from __future__ import annotations

from rich.text import Text

from pipekit.ui.console import out
from pipekit.checks.findings import Finding

STYLES = {"error": "bold red", "warning": "yellow", "info": "dim"}


def report(findings: list[Finding], files_checked: int, accepted: list[dict] = ()) -> None:
    console = out()
    for entry in accepted:
        console.print(Text(f"suppressed {entry['rule']} ({entry['findings']} findings): {entry['reason']}", style="dim"))
    for finding in findings:
        console.print(
            Text.assemble(
                finding.location, " ", (finding.rule, STYLES.get(finding.severity, "")), " ", finding.message, (f" [{finding.tool}]", "dim")
            )
        )
        if finding.fix:
            console.print(Text(f"  fix: {finding.fix}", style="dim"))
    if not findings:
        console.print(Text(f"{files_checked} files checked: no findings (cfn-lint, SAM transform, cross-template rules, permission preflight)", style="green"))
    else:
        errors = sum(1 for f in findings if f.severity == "error")
        console.print(Text(f"{len(findings)} findings ({errors} errors) in {files_checked} files", style="bold red"))
