"""The rollback runner carries out each planned step exactly as planned, and decides
in the core whether the remedy worked. Fake service wrappers record every call."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pipekit.aws.cloudformation import Stack
from pipekit.aws.codedeploy import Deployment
from pipekit.recovery.rollback import RollbackPlan, Step
from pipekit.recovery.runner import RollbackResult, RollbackRunner, StepResult
from pipekit.release.polling import Backoff


class FakeCodeDeploy:
    def __init__(self, final: str) -> None:
        self.final, self.calls = final, []

    def stop_deployment(self, params):
        self.calls.append(("StopDeployment", params))
        return "Pending"

    def deployment(self, deployment_id):
        return Deployment(deployment_id, "app", "group", self.final)


class FakeCloudFormation:
    def __init__(self) -> None:
        self.calls = []

    def latest_event_id(self, stack):
        return None

    def continue_update_rollback(self, params):
        self.calls.append(("ContinueUpdateRollback", params))

    def events_since(self, stack, last_seen=None):
        return []

    def describe_stack(self, stack):
        return Stack(stack, "id", "UPDATE_ROLLBACK_COMPLETE")


def runner(services):
    return RollbackRunner(lambda account, service: services[service], lambda event: None,
                          backoff=lambda: Backoff(sleep=lambda s: None), clock=lambda: 0.0)


STOP = Step("prod", "codedeploy:StopDeployment", "d-ABC", {"deploymentId": "d-ABC", "autoRollbackEnabled": True}, "why")


@pytest.mark.parametrize("params", [
    {"deploymentId": "d-ABC", "autoRollbackEnabled": True},
    {"deploymentId": "d-ABC", "autoRollbackEnabled": False},
])
def test_stop_runs_with_the_planned_parameters_as_they_are(params):
    codedeploy = FakeCodeDeploy("Stopped")
    runner({"codedeploy": codedeploy}).run(RollbackPlan("prod", "stop_traffic_shift", (replace(STOP, params=params),)))
    assert codedeploy.calls == [("StopDeployment", params)]


def test_a_stack_remedy_runs_with_the_planned_resources_to_skip():
    cf = FakeCloudFormation()
    params = {"StackName": "orders-svc-prod", "ResourcesToSkip": ["Table"]}
    step = Step("prod", "cloudformation:ContinueUpdateRollback", "orders-svc-prod", params, "why")
    result = runner({"cloudformation": cf}).run(RollbackPlan("prod", "continue_rollback", (step,)))
    assert cf.calls == [("ContinueUpdateRollback", params)]
    assert result.ok and result.steps[0].final == "UPDATE_ROLLBACK_COMPLETE"


@pytest.mark.parametrize("final, ok", [("Stopped", True), ("Failed", True), ("Succeeded", False)])
def test_a_stopped_or_failed_shift_means_the_old_version_is_back(final, ok):
    result = runner({"codedeploy": FakeCodeDeploy(final)}).run(RollbackPlan("prod", "stop_traffic_shift", (STOP,)))
    assert result.ok is ok


def test_one_step_that_did_not_work_fails_the_rollback():
    plan = RollbackPlan("prod", "rollback_stage", ())
    steps = (StepResult(STOP, "Succeeded", ""), StepResult(STOP, "Failed", ""))
    assert RollbackResult(plan, steps).ok is False


class FakeDeletedStack(FakeCloudFormation):
    def delete_stack(self, stack):
        self.calls.append(("DeleteStack", stack))

    def describe_stack(self, stack):
        return Stack("orders-svc-prod", stack, "DELETE_COMPLETE")


def test_a_failed_first_create_is_deleted_by_id_and_followed_until_gone():
    cf = FakeDeletedStack()
    stack_id = "arn:aws:cloudformation:eu-west-1:333333333333:stack/orders-svc-prod/1f5a"
    step = Step("prod", "cloudformation:DeleteStack", "orders-svc-prod", {"StackName": stack_id}, "why")
    result = runner({"cloudformation": cf}).run(RollbackPlan("prod", "delete_failed_stack", (step,)))
    assert cf.calls == [("DeleteStack", stack_id)]
    assert result.ok and result.steps[0].description == "stack orders-svc-prod: DELETE_COMPLETE"


class CtrlCWhileFollowed(FakeCodeDeploy):
    def deployment(self, deployment_id):
        raise KeyboardInterrupt


TWO_STOPS = RollbackPlan("prod", "stop_traffic_shift", (STOP, replace(STOP, target="d-DEF", params={"deploymentId": "d-DEF"})))


def test_ctrl_c_after_the_call_was_answered_says_it_goes_on_in_aws_and_what_never_started():
    from pipekit.errors import Interrupted

    with pytest.raises(Interrupted) as raised:
        runner({"codedeploy": CtrlCWhileFollowed("Stopped")}).run(TWO_STOPS)
    assert raised.value.exit_code == 130
    assert str(raised.value) == ("interrupted: StopDeployment on d-ABC was sent and goes on in AWS without pipekit; "
                                 "not started: StopDeployment on d-DEF; see where it stands with `pipekit status --env prod`")


def test_ctrl_c_during_the_call_says_it_may_not_have_arrived_and_lists_what_was_done():
    from pipekit.errors import Interrupted

    class SecondInterrupted(FakeCodeDeploy):
        def stop_deployment(self, params):
            if params["deploymentId"] == "d-DEF":
                raise KeyboardInterrupt
            return super().stop_deployment(params)

    with pytest.raises(Interrupted) as raised:
        runner({"codedeploy": SecondInterrupted("Stopped")}).run(TWO_STOPS)
    assert str(raised.value) == ("interrupted: StopDeployment on d-DEF was interrupted before AWS answered: it may or may not "
                                 "have been received; done: deployment d-ABC: Stopped; see where it stands with "
                                 "`pipekit status --env prod`")
