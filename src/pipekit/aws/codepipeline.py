"""CodePipeline: pipeline structure, waiting approvals, and answering them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Optional

from pipekit.aws.errors import AwsError, error_code, error_message


@dataclass(frozen=True)
class PendingApproval:
    pipeline: str
    stage: str
    action: str
    token: str
    execution_id: str = ""
    since: Optional[datetime] = None
    execution_type: str = "STANDARD"  # the stage's execution: STANDARD | ROLLBACK


@dataclass(frozen=True)
class Revision:
    """An execution's source revision (the commit it built)."""

    execution_id: str
    revision_id: str
    summary: str = ""
    url: str = ""
    started: Optional[datetime] = None


@dataclass(frozen=True)
class Execution:
    execution_id: str
    status: str
    started: Optional[datetime]
    execution_type: str = "STANDARD"  # STANDARD | ROLLBACK
    revision: str = ""  # every source's commit and summary, for people
    source: Optional[Revision] = None  # the first source's (revision_id "" when it has none)


@dataclass(frozen=True)
class ActionRun:
    """One action execution (ListActionExecutions)."""

    execution_id: str
    stage: str
    action: str
    status: str  # InProgress | Abandoned | Succeeded | Failed
    category: str  # Source | Build | Test | Deploy | Approval | Invoke
    provider: str
    external_id: str  # e.g. the CodeBuild build id
    updated: Optional[datetime]


@dataclass(frozen=True)
class RuleResult:
    """What one rule of a stage condition saw last (GetPipelineState's ruleStates)."""

    name: str
    status: str  # InProgress | Succeeded | Failed | Abandoned
    summary: str = ""
    error: str = ""
    url: str = ""


@dataclass(frozen=True)
class ConditionState:
    """One stage condition's latest evaluation: `kind` is before_entry, on_success or on_failure."""

    stage: str
    kind: str
    status: str  # InProgress | Failed | Errored | Succeeded | Cancelled | Abandoned | Overridden
    summary: str = ""
    changed: Optional[datetime] = None
    rules: tuple[RuleResult, ...] = ()
    execution_id: str = ""


@dataclass(frozen=True)
class StageState:
    name: str
    status: str
    execution_id: str
    execution_type: str = "STANDARD"  # STANDARD | ROLLBACK (a stage rollback's execution)
    conditions: tuple[ConditionState, ...] = ()


def _stage_state(raw: dict) -> StageState:
    latest = raw.get("latestExecution") or {}
    return StageState(raw["stageName"], latest.get("status", ""), latest.get("pipelineExecutionId", ""), latest.get("type", "STANDARD"),
                      tuple(_conditions(raw)))


# GetPipelineState's per-stage condition fields, and OverrideStageCondition's conditionType.
CONDITION_FIELDS = {"before_entry": "beforeEntryConditionState", "on_success": "onSuccessConditionState",
                    "on_failure": "onFailureConditionState"}
OVERRIDE_TYPES = {"before_entry": "BEFORE_ENTRY", "on_success": "ON_SUCCESS"}


def _conditions(stage: dict) -> list[ConditionState]:
    found = []
    latest_id = (stage.get("latestExecution") or {}).get("pipelineExecutionId", "")
    for kind, field in CONDITION_FIELDS.items():
        # An entry condition holds the execution waiting to come in, when there is one.
        inbound = (stage.get("inboundExecution") or {}).get("pipelineExecutionId", "") if kind == "before_entry" else ""
        execution_id = inbound or latest_id
        for condition in (stage.get(field) or {}).get("conditionStates") or []:
            latest = condition.get("latestExecution") or {}
            rules = tuple(
                RuleResult(r.get("ruleName", ""), (r.get("latestExecution") or {}).get("status", ""),
                           (r.get("latestExecution") or {}).get("summary", ""),
                           ((r.get("latestExecution") or {}).get("errorDetails") or {}).get("message", ""),
                           (r.get("latestExecution") or {}).get("externalExecutionUrl", "") or r.get("entityUrl", ""))
                for r in condition.get("ruleStates") or []
            )
            found.append(ConditionState(stage["stageName"], kind, latest.get("status", ""), latest.get("summary", ""),
                                        latest.get("lastStatusChange"), rules, execution_id))
    return found


class CodePipeline:
    def __init__(self, client: Any) -> None:
        self.client = client

    def pending_approvals(self, pipeline: str) -> list[PendingApproval]:
        """Approval actions waiting for an answer (only they carry a token)."""
        return self.state(pipeline)[1]

    def stage_actions(self, pipeline: str, stage: str) -> list[dict]:
        """The stage's action declarations (name, category, configuration, roleArn)."""
        declaration = self.client.get_pipeline(name=pipeline)["pipeline"]
        for candidate in declaration.get("stages", []):
            if candidate["name"] == stage:
                return candidate.get("actions", [])
        raise AwsError(f"pipeline {pipeline} has no stage {stage}")

    def declaration(self, pipeline: str) -> dict:
        raw = self.client.get_pipeline(name=pipeline)
        return {**raw["pipeline"], "metadata": raw.get("metadata", {})}

    def stage_states(self, pipeline: str) -> list[StageState]:
        return self.state(pipeline)[0]

    def state(self, pipeline: str) -> tuple[list[StageState], list[PendingApproval]]:
        """The stages' latest executions and the approvals waiting, from one GetPipelineState."""
        state = self.client.get_pipeline_state(name=pipeline)
        stages, waiting = [], []
        for raw in state.get("stageStates", []):
            stage = _stage_state(raw)
            stages.append(stage)
            for action in raw.get("actionStates", []):
                latest = action.get("latestExecution") or {}
                if latest.get("status") == "InProgress" and latest.get("token"):
                    waiting.append(PendingApproval(
                        pipeline, stage.name, action["actionName"], latest["token"], stage.execution_id,
                        latest.get("lastStatusChange"), stage.execution_type,
                    ))
        return stages, waiting

    def stage_state(self, pipeline: str, stage: str) -> StageState:
        """The stage's latest execution (the one running its actions now)."""
        found = next((s for s in self.stage_states(pipeline) if s.name == stage), None)
        if found is None:
            raise AwsError(f"pipeline {pipeline} has no stage {stage}")
        return found

    def rollback_target(self, pipeline: str, execution_id: str) -> str:
        """The execution a rollback execution returns to ("" for a standard execution):
        GetPipelineExecution's rollbackMetadata.rollbackTargetPipelineExecutionId."""
        raw = self.client.get_pipeline_execution(pipelineName=pipeline, pipelineExecutionId=execution_id)["pipelineExecution"]
        return (raw.get("rollbackMetadata") or {}).get("rollbackTargetPipelineExecutionId", "")

    def override_condition(self, pipeline: str, stage: str, execution_id: str, kind: str) -> None:
        """OverrideStageCondition: let the execution past a failed entry or success condition."""
        try:
            self.client.override_stage_condition(pipelineName=pipeline, stageName=stage, pipelineExecutionId=execution_id,
                                                 conditionType=OVERRIDE_TYPES[kind])
        except Exception as exc:
            code = error_code(exc)
            if code in ("ConditionNotOverridableException", "NotLatestPipelineExecutionException", "ConflictException",
                        "ConcurrentPipelineExecutionsLimitExceededException", "StageNotFoundException", "PipelineNotFoundException"):
                raise AwsError(f"CodePipeline refused to override the {OVERRIDE_TYPES[kind]} condition of {stage}: "
                               f"{error_message(exc)}", code) from None
            raise

    def executions(self, pipeline: str, limit: int = 100) -> list[Execution]:
        """Newest first."""
        found: list[Execution] = []
        kwargs: dict[str, Any] = {"pipelineName": pipeline, "maxResults": min(limit, 100)}
        while len(found) < limit:
            page = self.client.list_pipeline_executions(**kwargs)
            for raw in page.get("pipelineExecutionSummaries", []):
                revisions = raw.get("sourceRevisions") or []
                revision = ", ".join(f"{r.get('revisionId', '')[:12]} {r.get('revisionSummary', '')}".strip() for r in revisions)
                first = revisions[0] if revisions else {}
                source = Revision(raw["pipelineExecutionId"], first.get("revisionId", ""), first.get("revisionSummary", ""),
                                  first.get("revisionUrl", ""), raw.get("startTime"))
                found.append(Execution(raw["pipelineExecutionId"], raw.get("status", ""), raw.get("startTime"),
                                       raw.get("executionType", "STANDARD"), revision, source))
            if not page.get("nextToken"):
                break
            kwargs["nextToken"] = page["nextToken"]
        return found[:limit]

    def revision(self, pipeline: str, execution_id: str) -> Optional[Revision]:
        """The execution's first source revision (GetPipelineExecution's artifactRevisions)."""
        raw = self.client.get_pipeline_execution(pipelineName=pipeline, pipelineExecutionId=execution_id)["pipelineExecution"]
        revisions = raw.get("artifactRevisions") or []
        if not revisions or not revisions[0].get("revisionId"):
            return None
        first = revisions[0]
        return Revision(execution_id, first["revisionId"], first.get("revisionSummary", ""), first.get("revisionUrl", ""), first.get("created"))

    def action_runs(self, pipeline: str, execution_id: str = "", found: Optional[Callable[[ActionRun], bool]] = None,
                    limit: int = 1000) -> list[ActionRun]:
        """Action executions newest first (of one execution when given), read page by page
        until `found` says a run is the one wanted, or `limit` runs."""
        kwargs: dict[str, Any] = {"pipelineName": pipeline, "maxResults": 100}
        if execution_id:
            kwargs["filter"] = {"pipelineExecutionId": execution_id}
        runs: list[ActionRun] = []
        while len(runs) < limit:
            page = self.client.list_action_executions(**kwargs)
            for raw in page.get("actionExecutionDetails", []):
                type_id = (raw.get("input") or {}).get("actionTypeId") or {}
                result = (raw.get("output") or {}).get("executionResult") or {}
                runs.append(ActionRun(
                    raw.get("pipelineExecutionId", ""), raw.get("stageName", ""), raw.get("actionName", ""), raw.get("status", ""),
                    type_id.get("category", ""), type_id.get("provider", ""), result.get("externalExecutionId", ""), raw.get("lastUpdateTime"),
                ))
            if not page.get("nextToken") or (found and any(found(r) for r in runs)):
                break
            kwargs["nextToken"] = page["nextToken"]
        return runs[:limit]

    def pipeline_version_of(self, pipeline: str, execution_id: str) -> Optional[int]:
        raw = self.client.get_pipeline_execution(pipelineName=pipeline, pipelineExecutionId=execution_id)
        return raw["pipelineExecution"].get("pipelineVersion")

    def execution_status(self, pipeline: str, execution_id: str) -> str:
        raw = self.client.get_pipeline_execution(pipelineName=pipeline, pipelineExecutionId=execution_id)
        return raw["pipelineExecution"].get("status", "")

    def rollback_stage(self, params: dict[str, Any]) -> str:
        """RollbackStage with a planned step's parameters; the rollback execution's id."""
        return self.client.rollback_stage(**params)["pipelineExecutionId"]

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

    def job_succeeded(self, job_id: str, output_variables: dict[str, str], summary: str) -> None:
        """Answers a job of an Invoke action (the review function) as done."""
        self.client.put_job_success_result(
            jobId=job_id, outputVariables=output_variables, executionDetails={"summary": summary, "percentComplete": 100},
        )

    def job_failed(self, job_id: str, failure_type: str, message: str) -> None:
        self.client.put_job_failure_result(jobId=job_id, failureDetails={"type": failure_type, "message": message})
