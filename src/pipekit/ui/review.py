"""A reviewed change set as a table (terminal), JSON (scripts) or markdown (tickets and
approval reports). The verdict line always comes first."""

from __future__ import annotations

import json
import sys
from typing import Any

from pipekit.release.review import RISKS, Review, ReviewedChange
from pipekit.release.sam_groups import items
from pipekit.ui.review_rows import Row, access_lines, causes, row_access_lines, rows

RISK_STYLES = {
    "data-loss": "bold red", "public-access": "bold red", "outage": "red", "permission-broadening": "yellow",
    "permission": "yellow", "overwrites-drift": "magenta", "none": "green",
}
ACTION_STYLES = {"Add": "green", "Modify": "yellow", "Remove": "red", "Import": "cyan", "Dynamic": "magenta"}


# ---------------------------------------------------------------- plain lines (logs)


def render_lines(review: Review) -> list[str]:
    """The verdict, then one line per row: action, logical id, type, replacement, risk."""
    cs = review.change_set
    lines = [f"{cs.stack_name}: change set {cs.name}: {review.verdict()}"] + ([f"  {review.drift}"] if review.drift else [])
    for row in rows(review):
        lines.append(_line(row))
        lines += [f"  {'  ' * row.depth}    {line}" for line in row_access_lines(row)]
    return lines


def _line(row: Row) -> str:
    return f"  {'  ' * row.depth}{row.action} {row.logical_id} {row.resource_type} replacement={row.replacement or '-'} risk={row.risk}"


def render_plain(review: Review) -> str:
    """What the table shows, as plain lines for logs: the verdict first, then per row the
    table's columns (physical id and causes on the same line, when there are any)."""
    cs = review.change_set
    lines = [f"Verdict: {review.verdict()}"] + ([review.drift] if review.drift else []) + [f"{cs.stack_name}: change set {cs.name}"]
    for row in rows(review):
        physical = f" physical={row.physical_id}" if row.physical_id else ""
        lines.append(_line(row) + physical + (f" causes: {row.causes}" if row.causes else ""))
        lines += [f"  {'  ' * row.depth}    {line}" for line in row_access_lines(row)]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- JSON


def to_json(review: Review) -> dict[str, Any]:
    """Stable keys, documented in docs/reviewing-change-sets.md."""
    cs = review.change_set
    return {
        "stack": cs.stack_name,
        "change_set": cs.name,
        "change_set_id": cs.change_set_id,
        "status": cs.status,
        "verdict": review.verdict(),
        "level": review.level,
        "counts": review.counts(),
        "drift": review.drift,
        "changes": [_change_json(c) for c in review.changes],
        # what the other outputs show as rows: a SAM resource with the changes generated for it
        "items": [{"logical_id": i.logical_id, "resource_type": i.resource_type, "changes": [c.change.logical_id for c in i.changes]}
                  for i in items(review)],
    }


def _change_json(change: ReviewedChange) -> dict[str, Any]:
    c = change.change
    return {
        "action": c.action,
        "logical_id": c.logical_id,
        "physical_id": c.physical_id,
        "resource_type": c.resource_type,
        "replacement": c.replacement,
        "policy_action": c.policy_action,
        "risks": [{"kind": r.kind, "certain": r.certain, "why": r.why} for r in change.risks],
        "causes": causes(change),
        "access": change.access.to_json() if change.access else None,
        "nested": to_json(change.nested) if change.nested else None,
    }


def render_json(review: Review) -> str:
    return json.dumps(to_json(review), indent=2, sort_keys=False) + "\n"


# ---------------------------------------------------------------- markdown


def render_markdown(review: Review, context: str = "") -> str:
    cs = review.change_set
    lines = [f"# Change set `{cs.name}` of `{cs.stack_name}`", ""]
    if context:
        lines += [context, ""]
    lines += [f"**Verdict: {review.verdict()}**", ""] + ([review.drift, ""] if review.drift else [])
    counts = review.counts()
    lines += ["| risk | changes |", "| --- | --- |"] + [f"| {kind} | {counts[kind]} |" for kind in RISKS] + [""]
    lines += ["| action | logical id | physical id | type | replacement | risk | causes |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for row in rows(review):
        logical = ("&nbsp;&nbsp;" * row.depth + "└ " if row.depth else "") + f"`{row.logical_id}`"
        cause = row.causes.replace("|", "\\|") or "-"
        lines.append(
            f"| {row.action} | {logical} | {row.physical_id or '-'} | {row.resource_type} | {row.replacement or '-'} | {row.risk} | {cause} |"
        )
    risky = [c for c in review.all_changes() if c.risks]
    if risky:
        lines += ["", "## Why", ""]
        for change in risky:
            for risk in change.risks:
                certainty = "" if risk.certain else " (possible)"
                lines.append(f"- **{risk.kind}**{certainty} `{change.change.logical_id}`: {risk.why}")
    lines += _markdown_access(review)
    return "\n".join(lines) + "\n"


def _markdown_access(review: Review) -> list[str]:
    """Each statement that widens access, as written, under its resource; narrowing listed."""
    changes = [c for c in review.all_changes() if c.access and c.access.documents]
    if not changes:
        return []
    lines = ["", "## Access", ""]
    for change in changes:
        lines += [f"### `{change.change.logical_id}` ({change.change.resource_type}, from the {change.access.source})", ""]
        for document in change.access.documents:
            for diff in document.widened:
                lines.append(f"- widens `{document.document}` {diff.describe()}")
                if diff.statement:
                    lines += ["", "  ```json", *("  " + line for line in json.dumps(diff.statement, indent=2).splitlines()), "  ```"]
            lines += [f"- narrows `{document.document}` {diff.describe()}" for diff in document.narrowed]
        lines.append("")
    return lines[:-1]


# ---------------------------------------------------------------- terminal table


def render_table(review: Review) -> Any:
    """A rich renderable; colours by action and risk, readable without colour too."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    cs = review.change_set
    verdict = Text.assemble(("Verdict: ", "bold"), (review.verdict(), RISK_STYLES[review.level]))
    table = Table(title=f"{cs.stack_name}: change set {cs.name}", title_justify="left", show_edge=False)
    for column in ("Action", "Logical ID", "Physical ID", "Type", "Replacement", "Risk", "Causes"):
        table.add_column(column, overflow="fold")
    for row in rows(review):
        table.add_row(
            Text(row.action, style=ACTION_STYLES.get(row.action, "")),
            ("  " * row.depth + "└ " if row.depth else "") + row.logical_id,
            row.physical_id or "-",
            row.resource_type,
            Text(row.replacement or "-", style="bold red" if row.replacement == "True" else ""),
            Text(row.risk, style=RISK_STYLES[row.level]),
            row.causes or "-",
        )
    drift = [Text(review.drift, style="dim")] if review.drift else []
    diffs = [f"{change.change.logical_id}: {line}" for change in review.all_changes() for line in access_lines(change)]
    if diffs:
        return Group(verdict, *drift, table, Text("Access:", style="bold"), *(Text("  " + line) for line in diffs))
    return Group(verdict, *drift, table)


def on_terminal() -> bool:
    return sys.stdout.isatty()


def print_review(review: Review, output_format: str, context: str = "") -> None:
    """Print in the chosen format: table (rich on a terminal, plain lines elsewhere),
    json or markdown. Off a terminal rich is not even imported: a 1,000-change table
    folded into a log was slower than JSON and unreadable."""
    if output_format == "json":
        print(render_json(review), end="")
    elif output_format == "markdown":
        print(render_markdown(review, context), end="")
    elif not on_terminal():
        print(render_plain(review), end="")
    else:
        from pipekit.ui.console import out

        out().print(render_table(review))
