"""A reviewed change set as a table (terminal), JSON (scripts) or markdown (tickets and
approval reports). The verdict line always comes first."""

from __future__ import annotations

import json
import sys
from typing import Any, Iterator

from pipekit.release.review import RISKS, Review, ReviewedChange

RISK_STYLES = {"data-loss": "bold red", "outage": "red", "permission": "yellow", "none": "green"}
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


def _rows(review: Review, depth: int = 0) -> Iterator[tuple[int, ReviewedChange]]:
    for change in review.changes:
        yield depth, change
        if change.nested:
            yield from _rows(change.nested, depth + 1)


# ---------------------------------------------------------------- plain lines (logs)


def render_lines(review: Review) -> list[str]:
    """The verdict, then one line per change: action, logical id, type, replacement, risk."""
    cs = review.change_set
    return [f"{cs.stack_name}: change set {cs.name}: {review.verdict()}"] + [_line(depth, change) for depth, change in _rows(review)]


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
    return "\n".join(lines) + "\n"


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
