"""pipekit rollback: pick the remedy for a bad release, as a plan of plain data.

1. a traffic shift in progress        -> stop it, CodeDeploy moves the alias back
2. the stack mid-update or stuck      -> cancel the update / continue the rollback / roll back;
                                         a failed first create (ROLLBACK_COMPLETE) is deleted,
                                         so that the pipeline's next run can create it
3. a finished release that is bad     -> roll the pipeline stage back to an earlier good
                                         execution, so the previous artifact is redeployed
                                         through the same change-set path

`plan` is pure; recovery/observe.py gathers what it needs; recovery/runner.py carries a
plan out exactly as it is shown."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Optional

from pipekit.aws.cloudformation import Stack
from pipekit.aws.codedeploy import Deployment
from pipekit.aws.codepipeline import Execution
from pipekit.aws.lambda_ import Alias
from pipekit.config.constants import BUILD_ACCOUNT
from pipekit.errors import PipekitError


class NothingToRollBack(PipekitError):
    pass


class RollbackRefused(PipekitError):
    pass


@dataclass(frozen=True)
class Observations:
    env: str
    account: str
    stack_name: str
    stack: Optional[Stack]
    failed_resources: tuple[str, ...] = ()
    deployments: tuple[Deployment, ...] = ()
    aliases: tuple[Alias, ...] = ()
    pipeline: str = ""
    pipeline_type: str = ""
    pipeline_version: Optional[int] = None
    stage: str = ""
    stage_execution: str = ""  # the execution whose artifact the stage runs now
    executions: tuple[Execution, ...] = ()  # newest first
    execution_versions: dict[str, Optional[int]] = field(default_factory=dict)
    unreadable: tuple[str, ...] = ()  # what could not be read, and why (e.g. the build account's pipeline)


@dataclass(frozen=True)
class Step:
    account: str
    api: str  # e.g. codedeploy:StopDeployment
    target: str
    params: dict[str, Any]
    reason: str


@dataclass(frozen=True)
class RollbackPlan:
    env: str
    remedy: str  # stop_traffic_shift | cancel_update | continue_rollback | rollback_stack | delete_failed_stack | rollback_stage
    steps: tuple[Step, ...]
    details: tuple[str, ...] = ()


def plan(obs: Observations, to_execution: Optional[str] = None, skip_resources: tuple[str, ...] = ()) -> RollbackPlan:
    """Decide the remedy from what was observed. Raises when there is nothing to do or
    the rollback cannot be done as asked."""
    active = [d for d in obs.deployments if d.active]
    if active and not to_execution:
        steps = tuple(
            Step(obs.account, "codedeploy:StopDeployment", d.deployment_id, {"deploymentId": d.deployment_id, "autoRollbackEnabled": True},
                 f"traffic shift {d.deployment_id} of {d.group} is {d.status} ({d.progress or 'no progress yet'}); stopping it "
                 "with auto-rollback moves the live alias back to the old version")
            for d in active
        )
        weights = tuple(f"{a.function}:{a.name} -> " + ", ".join(f"v{v} {w:.0%}" for v, w in a.weights.items()) for a in obs.aliases)
        return RollbackPlan(obs.env, "stop_traffic_shift", steps, weights + _unread(obs))

    stack = obs.stack
    if stack is not None and not to_execution:
        stack_plan = _stack_step(obs, stack, skip_resources)
        if stack_plan is not None:
            return replace(stack_plan, details=stack_plan.details + _unread(obs))
    if stack is not None and stack.in_progress:
        raise RollbackRefused(f"{obs.stack_name} is {stack.status}; wait for it to finish, then run rollback again")
    return _stage_rollback(obs, to_execution)


def _stack_step(obs: Observations, stack: Stack, skip: tuple[str, ...]) -> Optional[RollbackPlan]:
    name = obs.stack_name
    if stack.status == "UPDATE_IN_PROGRESS":
        return RollbackPlan(obs.env, "cancel_update", (
            Step(obs.account, "cloudformation:CancelUpdateStack", name, {"StackName": name},
                 f"{name} is UPDATE_IN_PROGRESS; cancelling rolls it back to its previous state"),
        ))
    if stack.status == "UPDATE_ROLLBACK_FAILED":
        unknown = sorted(set(skip) - set(obs.failed_resources))
        if unknown:
            raise RollbackRefused(f"--skip-resource {', '.join(unknown)}: not among the resources that failed ({', '.join(obs.failed_resources) or 'none'})")
        params: dict[str, Any] = {"StackName": name}
        if skip:
            params["ResourcesToSkip"] = list(skip)
        details = (f"resources that failed to roll back: {', '.join(obs.failed_resources) or 'none reported'}",)
        if obs.failed_resources and not skip:
            details += ("if they cannot roll back (e.g. deleted by hand), skip them: --skip-resource " + " --skip-resource ".join(obs.failed_resources),)
        return RollbackPlan(obs.env, "continue_rollback", (
            Step(obs.account, "cloudformation:ContinueUpdateRollback", name, params,
                 f"{name} is UPDATE_ROLLBACK_FAILED; continuing the rollback returns it to its last working state"),
        ), details)
    if stack.status == "ROLLBACK_COMPLETE":
        # By id: a deleted stack is found by its id only, so the runner can follow it to DELETE_COMPLETE.
        return RollbackPlan(obs.env, "delete_failed_stack", (
            Step(obs.account, "cloudformation:DeleteStack", name, {"StackName": stack.stack_id},
                 f"{name} is ROLLBACK_COMPLETE: its first create failed and was rolled back, so it holds no resources "
                 "and can never be updated; deleting it lets the pipeline's next run create it"),
        ), ("fix the cause first (the stack's events name it), then release again (push, or Release change in the pipeline)",))
    if stack.status == "UPDATE_FAILED":
        return RollbackPlan(obs.env, "rollback_stack", (
            Step(obs.account, "cloudformation:RollbackStack", name, {"StackName": name},
                 f"{name} is UPDATE_FAILED after a deploy without rollback; rolling it back restores the last stable state"),
        ))
    return None


def _unread(obs: Observations) -> tuple[str, ...]:
    return tuple(f"could not read {what}; the stage rollback is not offered" for what in obs.unreadable)


def _stage_rollback(obs: Observations, to_execution: Optional[str]) -> RollbackPlan:
    if not obs.pipeline and obs.unreadable:
        unread = "; ".join(obs.unreadable)
        if to_execution:
            raise RollbackRefused(f"--to-execution needs the pipeline, which could not be read: {unread}")
        raise NothingToRollBack(f"{obs.env}: no traffic shift and the stack is stable; the stage rollback needs the pipeline, "
                                f"which could not be read: {unread}")
    if not obs.pipeline:
        raise NothingToRollBack(f"{obs.env}: no traffic shift, the stack is stable, and no pipeline was found to roll back")
    if obs.pipeline_type != "V2":
        raise RollbackRefused(f"pipeline {obs.pipeline} is {obs.pipeline_type or 'V1'}; stage rollback needs a V2 pipeline")
    by_id = {e.execution_id: e for e in obs.executions}
    current = by_id.get(obs.stage_execution)
    if to_execution:
        target = by_id.get(to_execution)
        if target is None:
            raise RollbackRefused(f"execution {to_execution} is not among pipeline {obs.pipeline}'s recent executions")
        if target.status != "Succeeded":
            raise RollbackRefused(f"execution {to_execution} did not succeed ({target.status}); roll back only to a good release")
        if to_execution == obs.stage_execution:
            raise NothingToRollBack(f"stage {obs.stage} already runs execution {to_execution}")
    else:
        candidates = [
            e for e in obs.executions
            if e.status == "Succeeded" and e.execution_type != "ROLLBACK" and e.execution_id != obs.stage_execution
            and (current is None or current.started is None or e.started is None or e.started < current.started)
        ]
        if not candidates:
            raise NothingToRollBack(f"stage {obs.stage} has no earlier successful execution to go back to")
        target = candidates[0]
    version = obs.execution_versions.get(target.execution_id)
    if version is not None and obs.pipeline_version is not None and version != obs.pipeline_version:
        raise RollbackRefused(
            f"execution {target.execution_id} ran pipeline version {version}, the pipeline is now version {obs.pipeline_version}; "
            "CodePipeline rolls back only to executions of the current structure"
        )
    when = target.started.isoformat() if target.started else "unknown time"
    return RollbackPlan(obs.env, "rollback_stage", (
        Step(BUILD_ACCOUNT, "codepipeline:RollbackStage", f"{obs.pipeline}/{obs.stage}",
             {"pipelineName": obs.pipeline, "stageName": obs.stage, "targetPipelineExecutionId": target.execution_id},
             f"stage {obs.stage} runs execution {obs.stage_execution or 'unknown'}; redeploy the artifact of {target.execution_id} "
             f"(source {target.revision or 'unknown'}, started {when}) through the same change-set path"),
    ), (f"target execution {target.execution_id}: {target.revision or 'no source revision recorded'}, started {when}",))
