"""The rollback decision as a pure function of what was observed."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from pipekit.aws.cloudformation import Stack
from pipekit.aws.codedeploy import Deployment
from pipekit.aws.codepipeline import Execution
from pipekit.aws.lambda_ import Alias
from pipekit.recovery.rollback import NothingToRollBack, Observations, RollbackRefused, plan

T = datetime(2026, 11, 27, 9, 0, tzinfo=timezone.utc)
STACK = "orders-svc-prod"


def execution(n, status="Succeeded", kind="STANDARD", minutes=0):
    return Execution(f"exec-{n}", status, T + timedelta(minutes=minutes), kind, f"abc{n} commit {n}")


EXECUTIONS = (
    execution(6, "InProgress", minutes=60),
    execution(5, minutes=50),               # currently deployed in Prod
    execution(4, kind="ROLLBACK", minutes=40),
    execution(3, "Failed", minutes=30),
    execution(2, minutes=20),               # the newest earlier good one
    execution(1, minutes=10),
)


def observed(status="UPDATE_COMPLETE", **changes):
    base = dict(
        env="prod", account="prod", stack_name=STACK, stack=Stack(STACK, "id", status), pipeline="orders", pipeline_type="V2",
        pipeline_version=7, stage="Prod", stage_execution="exec-5", executions=EXECUTIONS,
        execution_versions={"exec-5": 7, "exec-2": 7, "exec-1": 6},
    )
    base.update(changes)
    return Observations(**base)


def test_a_traffic_shift_in_progress_is_stopped_first():
    shift = Deployment("d-ABC", "app", "orders-svc-prod-OrdersApiFunctionDeploymentGroup-X", "InProgress", progress="0 of 1 succeeded")
    alias = Alias("orders-svc-prod-OrdersApiFunction-A", "live", "6", {"6": 0.8, "7": 0.2})
    result = plan(observed("UPDATE_IN_PROGRESS", deployments=(shift,), aliases=(alias,)))
    assert result.remedy == "stop_traffic_shift"
    assert [(s.api, s.params) for s in result.steps] == [("codedeploy:StopDeployment", {"deploymentId": "d-ABC", "autoRollbackEnabled": True})]
    assert result.details == ("orders-svc-prod-OrdersApiFunction-A:live -> v6 80%, v7 20%",)


def test_an_update_in_progress_is_cancelled():
    result = plan(observed("UPDATE_IN_PROGRESS"))
    assert result.remedy == "cancel_update" and result.steps[0].api == "cloudformation:CancelUpdateStack"


def test_a_stuck_rollback_is_continued_and_lists_what_failed():
    result = plan(observed("UPDATE_ROLLBACK_FAILED", failed_resources=("Table",)))
    assert result.remedy == "continue_rollback" and result.steps[0].params == {"StackName": STACK}
    assert "--skip-resource Table" in result.details[1]
    skipping = plan(observed("UPDATE_ROLLBACK_FAILED", failed_resources=("Table",)), skip_resources=("Table",))
    assert skipping.steps[0].params == {"StackName": STACK, "ResourcesToSkip": ["Table"]}
    with pytest.raises(RollbackRefused, match="not among the resources that failed"):
        plan(observed("UPDATE_ROLLBACK_FAILED", failed_resources=("Table",)), skip_resources=("Queue",))


def test_a_failed_no_rollback_deploy_is_rolled_back():
    result = plan(observed("UPDATE_FAILED"))
    assert result.remedy == "rollback_stack" and result.steps[0].api == "cloudformation:RollbackStack"


def test_a_finished_bad_release_rolls_the_stage_back_to_the_newest_earlier_good_execution():
    result = plan(observed())
    assert result.remedy == "rollback_stage"
    step = result.steps[0]
    assert step.account == "build" and step.api == "codepipeline:RollbackStage"
    assert step.params == {"pipelineName": "orders", "stageName": "Prod", "targetPipelineExecutionId": "exec-2"}
    assert "abc2 commit 2" in step.reason and "2026-11-27T09:20:00+00:00" in step.reason


def test_to_execution_picks_another_one():
    assert plan(observed(execution_versions={"exec-5": 7, "exec-1": 7}), "exec-1").steps[0].params["targetPipelineExecutionId"] == "exec-1"


@pytest.mark.parametrize("target, message", [
    ("exec-3", "did not succeed"),
    ("exec-9", "not among"),
    ("exec-5", "already runs"),
    ("exec-1", "pipeline version 6, the pipeline is now version 7"),
])
def test_to_execution_refusals(target, message):
    with pytest.raises((RollbackRefused, NothingToRollBack), match=message):
        plan(observed(), target)


def test_a_v1_pipeline_cannot_roll_a_stage_back():
    with pytest.raises(RollbackRefused, match="needs a V2 pipeline"):
        plan(observed(pipeline_type="V1"))


def test_nothing_earlier_to_go_back_to():
    with pytest.raises(NothingToRollBack, match="no earlier successful execution"):
        plan(observed(stage_execution="exec-1"))


def test_a_stack_busy_otherwise_must_finish_first():
    with pytest.raises(RollbackRefused, match="wait for it to finish"):
        plan(observed("UPDATE_ROLLBACK_IN_PROGRESS"))


# --to-execution asks for the stage rollback: nothing else may be done instead.

def test_to_execution_does_not_stop_a_traffic_shift_instead():
    shift = Deployment("d-ABC", "app", "group", "InProgress")
    result = plan(observed(deployments=(shift,)), to_execution="exec-2")
    assert result.remedy == "rollback_stage"
    assert result.steps[0].params["targetPipelineExecutionId"] == "exec-2"


@pytest.mark.parametrize("status", ["UPDATE_FAILED", "UPDATE_ROLLBACK_FAILED"])
def test_to_execution_does_not_apply_a_stack_remedy_instead(status):
    result = plan(observed(status, failed_resources=("Table",)), to_execution="exec-2")
    assert result.remedy == "rollback_stage" and [s.api for s in result.steps] == ["codepipeline:RollbackStage"]


def test_a_failed_first_create_is_deleted_by_its_id():
    """ROLLBACK_COMPLETE cannot be updated, so every pipeline run would fail on it; the
    stack holds nothing, and deleting it lets the next run create it."""
    result = plan(observed("ROLLBACK_COMPLETE"))
    assert result.remedy == "delete_failed_stack"
    assert [(s.account, s.api, s.target, s.params) for s in result.steps] == [
        ("prod", "cloudformation:DeleteStack", STACK, {"StackName": "id"}),
    ]
    assert "fix the cause first" in result.details[0]
