"""A stage condition as text: its status, then each rule with what it saw."""

from __future__ import annotations

from pipekit.aws.codepipeline import ConditionState
from pipekit.release.gates import WHAT, blocked_reason


def render_condition(condition: ConditionState) -> None:
    changed = f" since {condition.changed.isoformat()}" if condition.changed else ""
    print(f"{condition.stage}: {WHAT[condition.kind]} condition {condition.status}{changed} (execution {condition.execution_id})")
    if condition.summary:
        print(f"  {condition.summary}")
    for rule in condition.rules:
        said = rule.summary or rule.error
        print(f"  rule {rule.name}: {rule.status}" + (f": {said}" if said else ""))
    print(f"  {blocked_reason(condition)}")
