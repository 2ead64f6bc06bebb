"""A drift report as a table (terminal), plain lines (logs), JSON (scripts) or markdown
(tickets), in the change-set review's style: the verdict first, then one row per drifted
property with the template's value against the live one. Progress goes to stderr."""

from __future__ import annotations

import sys
from typing import Any, Callable, Iterator, Optional

from pipekit.aws.cfn_drift import PropertyDifference, ResourceDrift
from pipekit.recovery.drift import DriftProgress, DriftReport
from pipekit.recovery.revert import RevertOutcome, RevertPreview
from pipekit.ui.review_rows import _short

STATUS_STYLES = {"MODIFIED": "yellow", "DELETED": "bold red", "IN_SYNC": "green"}


def _rows(report: DriftReport) -> Iterator[tuple[str, ResourceDrift, Optional[PropertyDifference]]]:
    """(stack, resource, difference) per drifted property; a resource with none (deleted) once."""
    for stack, resource in report.drifted():
        if not resource.differences:
            yield stack, resource, None
        for difference in resource.differences:
            yield stack, resource, difference


def _notes(report: DriftReport) -> list[str]:
    notes = [f"{s.stack}: not deployed, nothing to check" for s in report.stacks if not s.deployed]
    return notes + [f"incomplete: {why}" for why in report.incomplete]


# ---------------------------------------------------------------- plain lines (logs)


def render_lines(report: DriftReport) -> list[str]:
    lines = [f"{report.environment} ({report.account} account): {report.verdict()}"]
    lines += [f"  {note}" for note in _notes(report)]
    for stack, resource, diff in _rows(report):
        where = f"  {stack} {resource.logical_id} {resource.resource_type} {resource.status}"
        if diff is None:
            lines.append(where)
        else:
            lines.append(f"{where} {diff.path} {diff.kind.lower()}: template {_short(diff.expected)} live {_short(diff.actual)}")
    return lines


# ---------------------------------------------------------------- JSON


def to_json(report: DriftReport) -> dict[str, Any]:
    """Stable keys, documented in docs/drift.md."""
    return {
        "environment": report.environment,
        "account": report.account,
        "verdict": report.verdict(),
        "drifted": bool(report.drifted()),
        "counts": report.counts(),
        "incomplete": report.incomplete,
        "stacks": [
            {
                "stack": s.stack,
                "deployed": s.deployed,
                "drift_status": s.detection.stack_drift_status if s.detection else "",
                "detection_id": s.detection.detection_id if s.detection else "",
                "resources": [_resource_json(r) for r in s.resources],
            }
            for s in report.stacks
        ],
    }


def _resource_json(resource: ResourceDrift) -> dict[str, Any]:
    return {
        "logical_id": resource.logical_id,
        "physical_id": resource.physical_id,
        "resource_type": resource.resource_type,
        "status": resource.status,
        "reason": resource.reason,
        "differences": [{"path": d.path, "kind": d.kind, "expected": d.expected, "actual": d.actual} for d in resource.differences],
    }


# ---------------------------------------------------------------- markdown


def render_markdown(report: DriftReport) -> str:
    lines = [f"# Drift of `{report.environment}` ({report.account} account)", "", f"**Verdict: {report.verdict()}**", ""]
    lines += [f"- {note}" for note in _notes(report)] + ([""] if _notes(report) else [])
    rows = list(_rows(report))
    if rows:
        lines += ["| stack | logical id | type | status | property | template | live |", "| --- | --- | --- | --- | --- | --- | --- |"]
        for stack, resource, diff in rows:
            cells = [stack, f"`{resource.logical_id}`", resource.resource_type, resource.status]
            cells += [f"`{diff.path}` ({diff.kind})", _short(diff.expected), _short(diff.actual)] if diff else ["-", "-", "-"]
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- terminal table


def render_table(report: DriftReport) -> Any:
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    style = "yellow" if report.drifted() else "green"
    parts: list[Any] = [Text.assemble(("Verdict: ", "bold"), (report.verdict(), style))]
    parts += [Text(note, style="dim") for note in _notes(report)]
    rows = list(_rows(report))
    if rows:
        table = Table(title=f"{report.environment}: drift", title_justify="left", show_edge=False)
        for column in ("Stack", "Logical ID", "Type", "Status", "Property", "Template", "Live"):
            table.add_column(column, overflow="fold")
        for stack, resource, diff in rows:
            table.add_row(
                stack, resource.logical_id, resource.resource_type, Text(resource.status, style=STATUS_STYLES.get(resource.status, "")),
                f"{diff.path} ({diff.kind})" if diff else "-", _short(diff.expected) if diff else "-",
                Text(_short(diff.actual), style="yellow") if diff else "-",
            )
        parts.append(table)
    return Group(*parts)


def print_report(report: DriftReport, output_format: str) -> None:
    _print(output_format, lambda: to_json(report), lambda: render_markdown(report), lambda: render_table(report), lambda: render_lines(report))


def _print(output_format: str, as_json: Callable[[], dict], as_markdown: Callable[[], str], as_table: Callable[[], Any],
           as_lines: Callable[[], list[str]]) -> None:
    """One of the four shapes: JSON, markdown, rich on a terminal, plain lines elsewhere."""
    if output_format == "json":
        from pipekit.ui.console import print_json

        print_json(as_json())
    elif output_format == "markdown":
        print(as_markdown(), end="")
    elif sys.stdout.isatty():  # rich only on a terminal
        from pipekit.ui.console import out

        out().print(as_table())
    else:
        print("\n".join(as_lines()))


# ---------------------------------------------------------------- progress (stderr)


class DriftProgressView:
    """A live spinner with the elapsed time on a terminal; off a terminal (without
    importing rich) one line when a stack's detection starts waiting and one every
    LOG_EVERY seconds after."""

    LOG_EVERY = 15.0

    def __init__(self) -> None:
        self._status: Any = None
        self._logged: dict[str, float] = {}

    def __call__(self, event: DriftProgress) -> None:
        text = f"detecting drift on {event.stack}: {event.status.lower().replace('_', ' ')}, {event.seconds:.0f}s"
        if sys.stderr.isatty():
            if self._status is None:
                from pipekit.ui.console import err

                self._status = err().status(text)
                self._status.start()
            self._status.update(text)
            return
        last = self._logged.get(event.stack)
        if last is None or event.seconds - last >= self.LOG_EVERY:
            self._logged[event.stack] = event.seconds
            print(text, file=sys.stderr, flush=True)

    def stop(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None


# ---------------------------------------------------------------- a drift-aware change set


EFFECT_TEXT = {"revert": "reverted to the template", "resync": "resync only (live value kept)", "change": "changed"}
EFFECT_STYLES = {"revert": "yellow", "resync": "cyan", "change": ""}


def revert_json(preview: RevertPreview) -> dict[str, Any]:
    cs = preview.change_set
    return {
        "stack": cs.stack_name,
        "change_set": cs.name,
        "change_set_id": cs.change_set_id,
        "verdict": preview.verdict(),
        "counts": preview.counts(),
        "properties": [
            {"logical_id": p.logical_id, "resource_type": p.resource_type, "path": p.path, "effect": p.effect,
             "live": p.live, "template": p.template, "previous_deployment": p.previous}
            for p in preview.properties
        ],
    }


def revert_lines(preview: RevertPreview) -> list[str]:
    cs = preview.change_set
    lines = [f"{cs.stack_name}: drift-aware change set {cs.name}: {preview.verdict()}"]
    for p in preview.properties:
        lines.append(f"  {p.logical_id} {p.resource_type} {p.path}: {EFFECT_TEXT[p.effect]}; live {_short(p.live)} template {_short(p.template)}")
    return lines


def revert_markdown(preview: RevertPreview) -> str:
    cs = preview.change_set
    lines = [f"# Drift-aware change set `{cs.name}` of `{cs.stack_name}`", "", f"**{preview.verdict()}**", "",
             "| logical id | type | property | live | template | effect |", "| --- | --- | --- | --- | --- | --- |"]
    for p in preview.properties:
        cells = [f"`{p.logical_id}`", p.resource_type, f"`{p.path}`", _short(p.live), _short(p.template), EFFECT_TEXT[p.effect]]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def revert_table(preview: RevertPreview) -> Any:
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    cs = preview.change_set
    table = Table(title=f"{cs.stack_name}: drift-aware change set {cs.name}", title_justify="left", show_edge=False)
    for column in ("Logical ID", "Type", "Property", "Live", "Template", "Effect"):
        table.add_column(column, overflow="fold")
    for p in preview.properties:
        table.add_row(p.logical_id, p.resource_type, p.path, Text(_short(p.live), style="yellow"), _short(p.template),
                      Text(EFFECT_TEXT[p.effect], style=EFFECT_STYLES[p.effect]))
    return Group(Text.assemble(("Verdict: ", "bold"), preview.verdict()), table)


def print_revert(preview: RevertPreview, output_format: str) -> None:
    _print(output_format, lambda: revert_json(preview), lambda: revert_markdown(preview), lambda: revert_table(preview),
           lambda: revert_lines(preview))


def revert_outcome_line(outcome: RevertOutcome) -> str:
    left = {
        "nothing_to_revert": "nothing drifted; the empty change set was deleted",
        "created_only": f"change set {outcome.change_set} left for review (--no-execute)",
        "declined": f"not executed; change set {outcome.change_set} is left for review",
    }
    cause = f" ({outcome.cause})" if outcome.cause else ""
    return f"{outcome.stack}: {left.get(outcome.result) or outcome.status + cause}"


def print_revert_outcome(outcome: RevertOutcome, preview: Optional[RevertPreview], output_format: str) -> None:
    """The last word: a line, or with --format json the one document (change set and result)."""
    line = revert_outcome_line(outcome)
    if output_format == "json":
        from pipekit.ui.console import print_json

        print_json({"stack": outcome.stack, "result": outcome.result, "message": line,
                    "change_set": revert_json(preview) if preview else None})
    else:
        print(line)
