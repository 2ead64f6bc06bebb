"""What `pipekit rollback` and `status` call is exactly what the `<project>-responders`
policies allow: every remedy rollback can take (stop a traffic shift, cancel an update,
continue a failed rollback, roll a failed update back, roll the stage back to an earlier
execution's artifact) and status's reads, run end to end with botocore's Stubber (moto has
no CodeDeploy stop, stack states to order, pipeline state or RollbackStage), every call
recorded and evaluated with the preflight's IAM evaluator against the rendered policies
(sufficient); and every action the policies grant is one of those calls (necessary). The
failed first create's DeleteStack runs against moto: tests/test_failed_create.py."""

from __future__ import annotations

import pytest

from conftest import config_from, example_data
from pipekit.project import names
from recorded_calls import Recorder, denied, granted_actions, rendered_people_policy, stubbed_owner
from stubbed_aws import ACCOUNT_IDS
from test_rollback_status import run, stub_stack_remedy, stub_stage_rollback, stub_status, stub_stop

BUILD, PROD = ACCOUNT_IDS["build"], ACCOUNT_IDS["prod"]

SCENARIOS = {
    "stop_traffic_shift": (stub_stop, "codedeploy:StopDeployment"),
    "cancel_update": (lambda aws: stub_stack_remedy(aws, "cancel_update_stack"), "cloudformation:CancelUpdateStack"),
    "continue_rollback": (lambda aws: stub_stack_remedy(aws, "continue_update_rollback", "UPDATE_ROLLBACK_FAILED"),
                          "cloudformation:ContinueUpdateRollback"),
    "rollback_stack": (lambda aws: stub_stack_remedy(aws, "rollback_stack", "UPDATE_FAILED"), "cloudformation:RollbackStack"),
    "rollback_stage": (stub_stage_rollback, "codepipeline:RollbackStage"),
}


@pytest.fixture(scope="module")
def people():
    return rendered_people_policy(names.responders_policy(config_from(example_data())))


@pytest.fixture(scope="module")
def policies(people):
    return people.policies


def record(project, aws, monkeypatch, stub, *command) -> list[tuple[str, str, str]]:
    stub(aws)
    recorder = Recorder(monkeypatch, stubbed_owner(aws))
    result = run(project, *command)
    assert result.exit_code == 0, result.output
    aws.assert_done()  # every stubbed call was made
    return recorder.requests()


@pytest.mark.parametrize("remedy", list(SCENARIOS))
def test_each_remedy_calls_only_what_the_responders_policies_allow(project, aws, monkeypatch, policies, remedy):
    stub, action = SCENARIOS[remedy]
    asked = record(project, aws, monkeypatch, stub, "rollback", "--env", "prod", "--yes")
    assert action in {a for _, a, _ in asked}
    assert policies[BUILD] and policies[PROD]
    assert denied(asked, lambda account: policies[account]) == []


def test_status_reads_only_what_the_responders_policies_allow(project, aws, monkeypatch, policies):
    asked = record(project, aws, monkeypatch, stub_status, "status", "--env", "prod")
    assert {"cloudwatch:DescribeAlarms", "lambda:GetAlias", "codepipeline:GetPipelineState"} <= {a for _, a, _ in asked}
    assert denied(asked, lambda account: policies[account]) == []


@pytest.fixture
def every_call(project, aws, monkeypatch):
    """The requests of every remedy and of status, each run in fresh stubbed accounts."""
    from stubbed_aws import StubbedAws

    found = []
    for stub, _ in SCENARIOS.values():
        fresh = StubbedAws()
        monkeypatch.setattr("pipekit.aws.sessions.open_account", fresh.open_account)
        found += record(project, fresh, monkeypatch, stub, "rollback", "--env", "prod", "--yes")
    fresh = StubbedAws()
    monkeypatch.setattr("pipekit.aws.sessions.open_account", fresh.open_account)
    found += record(project, fresh, monkeypatch, stub_status, "status", "--env", "prod")
    return found


def test_every_grant_of_the_responders_policies_is_called(every_call, policies):
    """Necessary: each action the build account's policy grants is called there; each the
    target accounts' policy grants is called in prod (DeleteStack: test_failed_create.py)."""
    build, target = granted_actions(policies[BUILD][0].document), granted_actions(policies[PROD][0].document)
    assert build == {action for account, action, _ in every_call if account == BUILD}
    assert target - {"cloudformation:DeleteStack"} == {action for account, action, _ in every_call if account == PROD}


def test_the_preflight_asks_the_responders_exactly_what_rollback_and_status_call(every_call, people):
    """The preflight's list of their calls (service_data.RESPOND_*, chain_people.py), which
    `pipekit validate` proves against the rendered policies, is what they call (prod and
    build here; the failed first create's DeleteStack: test_failed_create.py)."""
    called = {(account, action) for account, action, _ in every_call} | {(PROD, "cloudformation:DeleteStack")}
    assert called == {(account, action) for account, action in people.asks if account in (BUILD, PROD)}
