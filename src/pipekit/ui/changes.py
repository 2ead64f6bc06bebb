"""A change set for people (a table, or plain lines in logs) and for scripts (JSON)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipekit.aws.cloudformation import ChangeSet

if TYPE_CHECKING:
    from rich.table import Table

ACTION_STYLES = {"Add": "green", "Modify": "yellow", "Remove": "red", "Import": "cyan", "Dynamic": "magenta"}
REPLACEMENT_STYLES = {"True": "bold red", "Conditional": "yellow"}


def title(change_set: ChangeSet) -> str:
    return f"{change_set.stack_name}: change set {change_set.name} ({len(change_set.changes)} changes)"


def change_set_table(change_set: ChangeSet) -> "Table":
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title(change_set), title_justify="left", show_edge=False)
    for column in ("Action", "Logical ID", "Type", "Replacement"):
        table.add_column(column)
    for change in change_set.changes:
        table.add_row(
            Text(change.action, style=ACTION_STYLES.get(change.action, "")),
            change.logical_id,
            change.resource_type,
            Text(change.replacement or "-", style=REPLACEMENT_STYLES.get(change.replacement, "dim")),
        )
    return table


def change_set_lines(change_set: ChangeSet) -> list[str]:
    """One line per change, for logs: action, logical id, type, replacement."""
    lines = [title(change_set)]
    for change in change_set.changes:
        lines.append(f"  {change.action} {change.logical_id} {change.resource_type} replacement={change.replacement or '-'}")
    return lines


def change_set_json(change_set: ChangeSet) -> dict:
    return {
        "stack": change_set.stack_name,
        "change_set": change_set.name,
        "change_set_id": change_set.change_set_id,
        "status": change_set.status,
        "changes": [
            {
                "action": c.action,
                "logical_id": c.logical_id,
                "physical_id": c.physical_id,
                "resource_type": c.resource_type,
                "replacement": c.replacement,
            }
            for c in change_set.changes
        ],
    }
