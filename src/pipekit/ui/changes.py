"""A change set as a table: action, logical id, type, replacement."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from pipekit.aws.cloudformation import ChangeSet

ACTION_STYLES = {"Add": "green", "Modify": "yellow", "Remove": "red", "Import": "cyan", "Dynamic": "magenta"}
REPLACEMENT_STYLES = {"True": "bold red", "Conditional": "yellow"}


def change_set_table(change_set: ChangeSet) -> Table:
    table = Table(title=f"{change_set.stack_name}: change set {change_set.name}", title_justify="left", show_edge=False)
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
