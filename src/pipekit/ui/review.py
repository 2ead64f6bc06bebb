"""A reviewed change set as a table (terminal), JSON (scripts) or markdown (tickets and
approval reports). The verdict line always comes first."""

from __future__ import annotations

import json
import sys
from typing import Any, Iterator

from pipekit.release.review import RISKS, Review, ReviewedChange

RISK_STYLES = {
    "data-loss": "bold red", "public-access": "bold red", "outage": "red", "permission-broadening": "yellow",
    "permission": "yellow", "none": "green",
}
ACTION_STYLES = {"Add": "green", "Modify": "yellow", "Remove": "red", "Import": "cyan", "Dynamic": "magenta"}


def causes(change: ReviewedChange) -> list[dict[str, Any]]:
    """The properties behind a change, from the change set's Details."""
    out = []
    for detail in change.change.details:
        target = detail.get("Target") or {}
        entry = {
            "attribute": target.get("Attribute", ""),
            "name": target.get("Name", ""),
            "requires_recreation": target.get("RequiresRecreation", ""),
            "change_source": detail.get("ChangeSource", ""),
            "evaluation": detail.get("Evaluation", ""),
        }
        if "BeforeValue" in target or "AfterValue" in target:
            entry["before"] = target.get("BeforeValue")
            entry["after"] = target.get("AfterValue")
        out.append(entry)
    return out


def _cause_text(cause: dict[str, Any]) -> str:
    name = cause["name"] or cause["attribute"]
    text = name
    if cause["requires_recreation"] and cause["requires_recreation"] != "Never":
        text += f" (recreate: {cause['requires_recreation']})"
    if "before" in cause or "after" in cause:
        text += f": {_short(cause.get('before'))} -> {_short(cause.get('after'))}"
    return text


def _short(value: Any, limit: int = 60) -> str:
    text = "(none)" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _risk_text(change: ReviewedChange) -> str:
    if not change.risks:
        return "-"
    return ", ".join(r.kind + ("" if r.certain else " (possible)") for r in change.risks)


def access_lines(change: ReviewedChange) -> list[str]:
    """The statement-level diff of a change that grants access: what widens, what narrows."""
    access = change.access
    if access is None:
        return []
    lines = []
    for document in access.documents:
        lines += [f"widens {document.document} {c.describe()}" for c in document.widened]
        lines += [f"narrows {document.document} {c.describe()}" for c in document.narrowed]
    if access.source == "template" and lines:
        lines.append("(compared from the templates: values the change set did not give are unresolved)")
    return lines


def _rows(review: Review, depth: int = 0) -> Iterator[tuple[int, ReviewedChange]]:
    for change in review.changes:
        yield depth, change
        if change.nested:
            yield from _rows(change.nested, depth + 1)


# ---------------------------------------------------------------- plain lines (logs)


def render_lines(review: Review) -> list[str]:
    """The verdict, then one line per change: action, logical id, type, replacement, risk."""
    cs = review.change_set
    lines = [f"{cs.stack_name}: change set {cs.name}: {review.verdict()}"]
    for depth, change in _rows(review):
        lines.append(_line(depth, change))
        lines += [f"  {'  ' * depth}    {line}" for line in access_lines(change)]
    return lines


def _line(depth: int, change: ReviewedChange) -> str:
    c = change.change
    return f"  {'  ' * depth}{c.action} {c.logical_id} {c.resource_type} replacement={c.replacement or '-'} risk={_risk_text(change)}"


def render_plain(review: Review) -> str:
    """What the table shows, as plain lines for logs: the verdict first, then per change
    the table's columns (physical id and causes on the same line, when there are any)."""
    cs = review.change_set
    lines = [f"Verdict: {review.verdict()}", f"{cs.stack_name}: change set {cs.name}"]
    for depth, change in _rows(review):
        physical = f" physical={change.change.physical_id}" if change.change.physical_id else ""
        cause = "; ".join(_cause_text(x) for x in causes(change))
        lines.append(_line(depth, change) + physical + (f" causes: {cause}" if cause else ""))
        lines += [f"  {'  ' * depth}    {line}" for line in access_lines(change)]
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
        "changes": [_change_json(c) for c in review.changes],
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
    lines += [f"**Verdict: {review.verdict()}**", ""]
    counts = review.counts()
    lines += ["| risk | changes |", "| --- | --- |"] + [f"| {kind} | {counts[kind]} |" for kind in RISKS] + [""]
    lines += ["| action | logical id | physical id | type | replacement | risk | causes |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for depth, change in _rows(review):
        c = change.change
        logical = ("&nbsp;&nbsp;" * depth + "└ " if depth else "") + f"`{c.logical_id}`"
        cause = "; ".join(_cause_text(x) for x in causes(change)).replace("|", "\\|") or "-"
        lines.append(
            f"| {c.action} | {logical} | {c.physical_id or '-'} | {c.resource_type} | {c.replacement or '-'} | {_risk_text(change)} | {cause} |"
        )
    risky = [c for _, c in _rows(review) if c.risks]
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
    changes = [c for _, c in _rows(review) if c.access and c.access.documents]
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
    for depth, change in _rows(review):
        c = change.change
        table.add_row(
            Text(c.action, style=ACTION_STYLES.get(c.action, "")),
            ("  " * depth + "└ " if depth else "") + c.logical_id,
            c.physical_id or "-",
            c.resource_type,
            Text(c.replacement or "-", style="bold red" if c.replacement == "True" else ""),
            Text(_risk_text(change), style=RISK_STYLES[change.level]),
            "; ".join(_cause_text(x) for x in causes(change)) or "-",
        )
    diffs = [f"{change.change.logical_id}: {line}" for _, change in _rows(review) for line in access_lines(change)]
    if diffs:
        return Group(verdict, table, Text("Access:", style="bold"), *(Text("  " + line) for line in diffs))
    return Group(verdict, table)


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
