"""Whether a stage is running a CodePipeline stage rollback, and to which execution.

A V2 stage rollback (RollbackStage, or a stage's OnFailure rollback) is a new pipeline
execution of type ROLLBACK that re-runs the stage's actions with the artifacts and
variables of the target execution, so review and approval run again: a rollback is
reviewed and approved like any other change, and says so. The review function and
`pipekit approve` both use `detect_rollback`.

The stage's own latest execution is read (GetPipelineState), not the execution id the
action was given: CodePipeline resolves a rollback's variables from the target
execution, so `#{codepipeline.PipelineExecutionId}` may name the target, not the rollback."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from pipekit.aws.codepipeline import CodePipeline

ROLLBACK = "ROLLBACK"


@dataclass(frozen=True)
class Rollback:
    execution_id: str  # the rollback execution running the stage
    target_execution_id: str  # the earlier execution whose revision it redeploys

    def describe(self) -> str:
        target = self.target_execution_id or "an earlier execution"
        return f"ROLLBACK to execution {target}"

    def to_json(self) -> dict[str, str]:
        return {"execution_id": self.execution_id, "target_execution_id": self.target_execution_id}


def rollback_of(codepipeline: CodePipeline, pipeline: str, execution_id: str, execution_type: str) -> Optional[Rollback]:
    """The rollback a stage's execution is (its type from GetPipelineState), or None for a
    standard execution; only a rollback costs a GetPipelineExecution."""
    if execution_type != ROLLBACK:
        return None
    return Rollback(execution_id, codepipeline.rollback_target(pipeline, execution_id))


def detect_rollback(codepipeline: CodePipeline, pipeline: str, stage: str) -> Optional[Rollback]:
    """The rollback running `stage` now, or None: GetPipelineState, and for a rollback
    GetPipelineExecution (its rollbackMetadata)."""
    state = codepipeline.stage_state(pipeline, stage)
    return rollback_of(codepipeline, pipeline, state.execution_id, state.execution_type)
