"""The gates at run time: which stage condition an override answers, and why a stage is
blocked, from what CodePipeline reports (aws/codepipeline.ConditionState). Pure."""

from __future__ import annotations

from typing import Any, Optional

from pipekit.aws.codepipeline import ConditionState
from pipekit.errors import PipekitError

# --condition entry|success -> the condition kind CodePipeline reports and overrides.
KINDS = {"entry": "before_entry", "success": "on_success"}
# A condition in these states is holding the execution (CodePipeline: ConditionExecution.status).
HOLDING = ("Failed", "Errored", "InProgress")
WHAT = {"before_entry": "entry", "on_success": "success", "on_failure": "failure"}


def to_override(conditions: list[ConditionState], stage: str, condition: str) -> ConditionState:
    """The stage's condition of that kind, if it is holding an execution; else a clear error."""
    kind = KINDS[condition]
    found: Optional[ConditionState] = next((c for c in conditions if c.stage == stage and c.kind == kind), None)
    if found is None:
        raise PipekitError(f"stage {stage} has no {condition} condition that CodePipeline has evaluated; nothing to override")
    if found.status not in HOLDING:
        raise PipekitError(f"the {condition} condition of {stage} is {found.status or 'not evaluated'}, not holding an execution; "
                           "nothing to override")
    if not found.execution_id:
        raise PipekitError(f"CodePipeline names no execution held by the {condition} condition of {stage}")
    return found


def blocked_reason(condition: ConditionState) -> str:
    """One line: what holds the stage and which rules said so."""
    failing = [r for r in condition.rules if r.status not in ("Succeeded", "")] or list(condition.rules)
    said = "; ".join(f"{r.name} {r.status}" + (f": {r.summary or r.error}" if (r.summary or r.error) else "") for r in failing)
    what = WHAT[condition.kind]
    if condition.status == "InProgress":
        return f"{what} condition evaluating" + (f" ({said})" if said else "")
    return f"{what} condition {condition.status}" + (f": {said}" if said else "")


def as_data(condition: ConditionState) -> dict[str, Any]:
    """The JSON form (status --format json, gate override --format json)."""
    return {
        "kind": condition.kind, "status": condition.status, "summary": condition.summary,
        "changed": condition.changed.isoformat() if condition.changed else None,
        "execution_id": condition.execution_id,
        "blocked": condition.status in HOLDING, "reason": blocked_reason(condition) if condition.status in HOLDING else "",
        "rules": [{"name": r.name, "status": r.status, "summary": r.summary, "error": r.error, "url": r.url} for r in condition.rules],
    }
