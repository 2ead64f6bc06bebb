"""The rows every review output shows: one per change, except that a SAM resource and
what the transform generated for it share one row (release/sam_groups.py). Plain text
cells; ui/review.py lays them out as lines, markdown or a rich table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from pipekit.release.review import Review, ReviewedChange
from pipekit.release.sam_groups import Item, items, member_name
from pipekit.text import shorten


@dataclass(frozen=True)
class Row:
    depth: int  # nesting: 0 for the stack, 1 for a nested stack's changes...
    item: Item
    action: str
    logical_id: str
    physical_id: str
    resource_type: str
    replacement: str
    risk: str
    causes: str
    level: str

    @property
    def changes(self) -> tuple[ReviewedChange, ...]:
        return self.item.changes


def rows(review: Review, depth: int = 0) -> Iterator[Row]:
    for item in items(review):
        yield _row(depth, item)
        if item.own and item.own.nested:
            yield from rows(item.own.nested, depth + 1)


def _row(depth: int, item: Item) -> Row:
    own = item.own
    if not item.grouped and own:
        c = own.change
        return Row(depth, item, c.action, c.logical_id, c.physical_id, c.resource_type, c.replacement,
                   risk_text(own.risks), "; ".join(cause_text(x) for x in causes(own)), own.level)
    parts = [f"{'function' if own is not None and change is own else member_name(item, change)}: {change.change.action}"
             + (f" ({'; '.join(cause_text(x) for x in causes(change))})" if change.change.details else "")
             for change in item.changes]
    return Row(depth, item, item.action, f"{item.logical_id} (+{len(item.members)} generated)", own.change.physical_id if own else "",
               item.resource_type, own.change.replacement if own else "", risk_text([r for c in item.changes for r in c.risks]),
               "; ".join(parts), item.level)


def risk_text(risks: Any) -> str:
    """Each kind once, in the rules' order (one change reads as its rules said it);
    "(possible)" when no risk of that kind is certain."""
    kinds = list(dict.fromkeys(r.kind for r in risks))
    if not kinds:
        return "-"
    return ", ".join(k + ("" if any(r.kind == k and r.certain for r in risks) else " (possible)") for k in kinds)


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


def cause_text(cause: dict[str, Any]) -> str:
    name = cause["name"] or cause["attribute"]
    text = name
    if cause["requires_recreation"] and cause["requires_recreation"] != "Never":
        text += f" (recreate: {cause['requires_recreation']})"
    if "before" in cause or "after" in cause:
        text += f": {_short(cause.get('before'))} -> {_short(cause.get('after'))}"
    return text


def _short(value: Any, limit: int = 60) -> str:
    return shorten("(none)" if value is None else str(value), limit)


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


def row_access_lines(row: Row) -> list[str]:
    """A row's access diffs; in a SAM row each says which generated resource it is about."""
    out = []
    for change in row.changes:
        prefix = f"{member_name(row.item, change)}: " if row.item.grouped and change is not row.item.own else ""
        out += [prefix + line for line in access_lines(change)]
    return out
