"""CodePipeline: pipeline structure, waiting approvals, and answering them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional

from pipekit.aws.errors import AwsError, error_code


@dataclass(frozen=True)
class PendingApproval:
    pipeline: str
    stage: str
    action: str
    token: str
    execution_id: str = ""
    since: Optional[datetime] = None


class CodePipeline:
    def __init__(self, client: Any) -> None:
        self.client = client

    def pending_approvals(self, pipeline: str) -> list[PendingApproval]:
        """Approval actions waiting for an answer (only they carry a token)."""
        state = self.client.get_pipeline_state(name=pipeline)
        waiting = []
        for stage in state.get("stageStates", []):
            execution_id = (stage.get("latestExecution") or {}).get("pipelineExecutionId", "")
            for action in stage.get("actionStates", []):
                latest = action.get("latestExecution") or {}
                if latest.get("status") == "InProgress" and latest.get("token"):
                    waiting.append(
                        PendingApproval(pipeline, stage["stageName"], action["actionName"], latest["token"], execution_id, latest.get("lastStatusChange"))
                    )
        return waiting

    def stage_actions(self, pipeline: str, stage: str) -> list[dict]:
        """The stage's action declarations (name, category, configuration, roleArn)."""
        declaration = self.client.get_pipeline(name=pipeline)["pipeline"]
        for candidate in declaration.get("stages", []):
            if candidate["name"] == stage:
                return candidate.get("actions", [])
        raise AwsError(f"pipeline {pipeline} has no stage {stage}")

    def answer(self, approval: PendingApproval, approved: bool, summary: str) -> None:
        try:
            self.client.put_approval_result(
                pipelineName=approval.pipeline,
                stageName=approval.stage,
                actionName=approval.action,
                result={"summary": summary[:512], "status": "Approved" if approved else "Rejected"},
                token=approval.token,
            )
        except Exception as exc:
            code = error_code(exc)
            if code == "InvalidApprovalTokenException":
                raise AwsError(
                    f"the approval token of {approval.stage}/{approval.action} is no longer valid: the approval expired, "
                    "or a newer execution superseded it; run `pipekit approve` again", code) from None
            if code == "ApprovalAlreadyCompletedException":
                raise AwsError(f"{approval.stage}/{approval.action} was already answered by someone else", code) from None
            raise
