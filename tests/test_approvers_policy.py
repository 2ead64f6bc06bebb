"""What `pipekit approve` calls is exactly what the `<project>-approvers` policies allow:
every call of a whole approval (botocore's Stubber: moto has no approvals, action
executions or alarm history), recorded as it runs, is evaluated with the preflight's IAM
evaluator against the rendered policies (sufficient), and every action they grant is one
approve calls (necessary). In the build account: the pipeline, the dossier's builds and
reports, the answer. In the target accounts: the gated change set and its templates
(prod), and the service's alarm history in the environment before (dev)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from botocore.stub import ANY
from cfnlint.decode.cfn_yaml import loads
from click.testing import CliRunner

from conftest import config_from, example_data
from pipekit.cli import main
from pipekit.project import names
from pipekit.project.render import INTEGRATION_TEST_REPORT, UNIT_TEST_REPORT, render_all
from recorded_calls import Recorder, denied, granted_actions, rendered_people_policy, stubbed_owner
from stubbed_aws import ACCOUNT_IDS, T0
from test_approve import PIPELINE, ROLLBACK_EXECUTION, TARGET_EXECUTION, TOKEN
from test_changeset_show import stub_review
from test_dossier import CANDIDATE, action_run, stub_commits

BUILD, DEV, PROD = ACCOUNT_IDS["build"], ACCOUNT_IDS["dev"], ACCOUNT_IDS["prod"]


def _cfg():
    return config_from(example_data())


def _state(execution_type: str) -> dict:
    execution = ROLLBACK_EXECUTION if execution_type == "ROLLBACK" else CANDIDATE
    return {"pipelineName": "orders", "stageStates": [
        {"stageName": "Prod", "latestExecution": {"pipelineExecutionId": execution, "status": "InProgress", "type": execution_type},
         "actionStates": [{"actionName": "CreateChangeSet", "latestExecution": {"status": "Succeeded"}},
                          {"actionName": "Approve", "latestExecution": {"status": "InProgress", "token": TOKEN, "lastStatusChange": T0}}]},
    ]}


def stub_approval(aws, execution_type: str = "STANDARD") -> None:
    """Every answer a whole approval reads, in the order approve reads them."""
    cfg = _cfg()
    candidate = CANDIDATE
    cp = aws.accounts["build"].stub("codepipeline")
    cp.add_response("get_pipeline_state", _state(execution_type), {"name": "orders"})
    cp.add_response("get_pipeline", PIPELINE, {"name": "orders"})
    if execution_type == "ROLLBACK":
        cp.add_response("get_pipeline_execution", {"pipelineExecution": {
            "pipelineName": "orders", "pipelineExecutionId": ROLLBACK_EXECUTION, "status": "InProgress", "executionType": "ROLLBACK",
            "rollbackMetadata": {"rollbackTargetPipelineExecutionId": TARGET_EXECUTION}}},
            {"pipelineName": "orders", "pipelineExecutionId": ROLLBACK_EXECUTION})
        candidate = ROLLBACK_EXECUTION  # the dossier covers the rollback execution
    stub_review(aws.accounts["prod"], list_first=False)
    # The dossier: commits, the candidate's tests (the example's projects and report groups), the soak in dev.
    if candidate == CANDIDATE:
        stub_commits(cp)
    else:  # the rollback execution: nothing deployed to Prod before it in this history (a first release)
        cp.add_response("get_pipeline_execution", {"pipelineExecution": {"pipelineName": "orders", "pipelineExecutionId": candidate,
                                                                          "status": "Succeeded", "artifactRevisions": []}})
        cp.add_response("list_action_executions", {"actionExecutionDetails": []}, {"pipelineName": "orders", "maxResults": 100})
    build_project, test_project = names.build_project(cfg), names.integration_test_project(cfg)
    build_id, test_id = f"{build_project}:5b9e-1", f"{test_project}:5b9e-2"
    runs = [action_run(candidate, "Dev", "ExecuteChangeSet", "Deploy", "CloudFormation", at=T0 - timedelta(hours=26)),
            action_run(candidate, "Dev", "IntegrationTests", "Test", "CodeBuild", at=T0 - timedelta(hours=25), external=test_id),
            action_run(candidate, "Build", "Build", "Build", "CodeBuild", at=T0 - timedelta(hours=27), external=build_id)]
    by_candidate = {"pipelineName": "orders", "maxResults": 100, "filter": {"pipelineExecutionId": candidate}}
    cp.add_response("list_action_executions", {"actionExecutionDetails": runs}, by_candidate)
    reports = [f"arn:aws:codebuild:eu-west-1:{BUILD}:report/{group}:5b9e-{n}" for n, group in enumerate(
        (names.report_group(test_project, INTEGRATION_TEST_REPORT), names.report_group(build_project, UNIT_TEST_REPORT)))]
    codebuild = aws.accounts["build"].stub("codebuild")
    codebuild.add_response("batch_get_builds", {"builds": [{"id": test_id, "reportArns": reports[:1]}, {"id": build_id, "reportArns": reports[1:]}]},
                           {"ids": [test_id, build_id]})
    codebuild.add_response("batch_get_reports", {"reports": [
        {"arn": arn, "type": "TEST", "name": "tests", "status": "SUCCEEDED", "executionId": f"arn:aws:codebuild:eu-west-1:{BUILD}:build/{build}",
         "testSummary": {"total": 3, "statusCounts": {"SUCCEEDED": 3}, "durationInNanoSeconds": 1}}
        for arn, build in zip(reports, (test_id, build_id))]}, {"reportArns": reports})
    cp.add_response("list_action_executions", {"actionExecutionDetails": runs}, by_candidate)
    cloudwatch = aws.accounts["dev"].stub("cloudwatch")
    for alarm in names.service_alarms(cfg, names.service_stack(cfg, "dev")):
        cloudwatch.add_response("describe_alarm_history", {"AlarmHistoryItems": []}, {
            "AlarmName": alarm, "HistoryItemType": "StateUpdate", "StartDate": ANY, "EndDate": ANY,
            "AlarmTypes": ["MetricAlarm", "CompositeAlarm"], "ScanBy": "TimestampAscending"})
    cp.add_response("put_approval_result", {"approvedAt": T0},
                    {"pipelineName": "orders", "stageName": "Prod", "actionName": "Approve", "token": TOKEN, "result": ANY})


def record_approval(project, aws, monkeypatch, execution_type: str) -> list[tuple[str, str, str]]:
    stub_approval(aws, execution_type)
    recorder = Recorder(monkeypatch, stubbed_owner(aws))
    result = CliRunner().invoke(main, ["--config", str(project / "pipekit.yaml"), "approve", "--env", "prod", "--approve", "--yes"])
    assert result.exit_code == 0, result.output
    aws.assert_done()
    assert "could not be read" not in result.output and "no access" not in result.output  # every dossier part was read
    return recorder.requests()


@pytest.fixture(scope="module")
def people():
    return rendered_people_policy(names.approvers_policy(_cfg()))


def test_what_approve_calls_is_what_the_approvers_policies_allow(project, aws, monkeypatch, people):
    policies = people.policies
    asked = record_approval(project, aws, monkeypatch, "STANDARD")
    by_account = {account: {action for a, action, _ in asked if a == account} for account in (BUILD, DEV, PROD)}
    assert {"codepipeline:PutApprovalResult", "codebuild:BatchGetReports"} <= by_account[BUILD]
    assert by_account[PROD] == {"cloudformation:DescribeChangeSet", "cloudformation:GetTemplate"}
    assert by_account[DEV] == {"cloudwatch:DescribeAlarmHistory"}
    assert all(policies[account] for account in (BUILD, DEV, PROD))
    assert denied(asked, lambda account: policies[account]) == []


def test_a_rollback_approval_calls_nothing_else(project, aws, monkeypatch, people):
    policies = people.policies
    asked = record_approval(project, aws, monkeypatch, "ROLLBACK")
    assert ("111111111111", "codepipeline:GetPipelineExecution", f"arn:aws:codepipeline:eu-west-1:{BUILD}:orders") in asked
    assert denied(asked, lambda account: policies[account]) == []


def test_every_grant_of_the_approvers_policies_is_called(project, aws, monkeypatch, people):
    """Necessary: each action the build account's policy grants is called there, and each
    the target accounts' policy grants is called in one of them."""
    asked = record_approval(project, aws, monkeypatch, "STANDARD")
    build = people.policies[BUILD][0].document
    target = people.policies[PROD][0].document
    assert granted_actions(build) == {action for account, action, _ in asked if account == BUILD}
    assert granted_actions(target) == {action for account, action, _ in asked if account in (DEV, PROD)}


def test_the_preflight_asks_the_approvers_exactly_what_approve_calls(project, aws, monkeypatch, people):
    """The preflight's list of approve's calls (service_data.APPROVE_*, chain_people.py),
    which `pipekit validate` proves against the rendered policies, is what approve calls."""
    asked = record_approval(project, aws, monkeypatch, "STANDARD")
    assert {(account, action) for account, action, _ in asked} == people.asks
