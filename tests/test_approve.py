"""pipekit approve, with the botocore Stubber (moto has no approval APIs): the waiting
approval is found in the pipeline's state, the change set it gates is shown with its
verdict, and the answer is recorded with a summary naming both."""

from __future__ import annotations

from botocore.stub import ANY
from click.testing import CliRunner

from pipekit.cli import main
from stubbed_aws import PROD_CHANGE_SET, PROD_STACK, T0, change_set_page, resource_change
from test_changeset_show import stub_review

TOKEN = "0a1b2c3d-4e5f-6a7b-8c9d-000000000001"


ROLLBACK_EXECUTION = "7e57ab1e-0000-4000-8000-000000000002"
TARGET_EXECUTION = "7e57ab1e-0000-4000-8000-000000000001"


def pipeline_state(waiting=True, execution_type="STANDARD"):
    approve = {"actionName": "Approve"}
    if waiting:
        approve["latestExecution"] = {"status": "InProgress", "token": TOKEN, "lastStatusChange": T0}
    return {
        "pipelineName": "orders",
        "stageStates": [
            {"stageName": "Dev", "actionStates": [{"actionName": "CreateChangeSet", "latestExecution": {"status": "Succeeded"}}]},
            {"stageName": "Prod", "latestExecution": {
                "pipelineExecutionId": ROLLBACK_EXECUTION if execution_type == "ROLLBACK" else "exec-42", "status": "InProgress",
                "type": execution_type},
             "actionStates": [{"actionName": "CreateChangeSet", "latestExecution": {"status": "Succeeded"}}, approve]},
        ],
    }


def action(name, run_order, category, provider, configuration=None, role=None):
    declared = {"name": name, "runOrder": run_order, "actionTypeId": {"category": category, "owner": "AWS", "provider": provider, "version": "1"},
                "configuration": configuration or {}}
    if role:
        declared["roleArn"] = role
    return declared


PIPELINE = {"pipeline": {"name": "orders", "roleArn": "arn:aws:iam::111111111111:role/orders-pipeline", "version": 3,
                         "artifactStore": {"type": "S3", "location": "orders-artifacts-111111111111-eu-west-1"},
                         "stages": [
                             {"name": "Prod", "actions": [
                                 action("CreateChangeSet", 1, "Deploy", "CloudFormation",
                                        {"ActionMode": "CHANGE_SET_REPLACE", "StackName": PROD_STACK, "ChangeSetName": PROD_CHANGE_SET},
                                        "arn:aws:iam::333333333333:role/orders-deploy"),
                                 action("Approve", 2, "Approval", "Manual"),
                                 action("ExecuteChangeSet", 3, "Deploy", "CloudFormation",
                                        {"ActionMode": "CHANGE_SET_EXECUTE", "StackName": PROD_STACK, "ChangeSetName": PROD_CHANGE_SET},
                                        "arn:aws:iam::333333333333:role/orders-deploy"),
                             ]},
                         ]}}


def approve(project, *args, **kwargs):
    return CliRunner().invoke(main, ["--config", str(project / "pipekit.yaml"), "approve", *args], **kwargs)


def stub_pipeline(aws, waiting=True, execution_type="STANDARD"):
    codepipeline = aws.accounts["build"].stub("codepipeline")
    codepipeline.add_response("get_pipeline_state", pipeline_state(waiting, execution_type), {"name": "orders"})
    if waiting:
        codepipeline.add_response("get_pipeline", PIPELINE, {"name": "orders"})
    return codepipeline


def expect_answer(codepipeline, status):
    codepipeline.add_response(
        "put_approval_result", {"approvedAt": T0},
        {"pipelineName": "orders", "stageName": "Prod", "actionName": "Approve", "token": TOKEN,
         "result": {"status": status, "summary": ANY}},
    )


def test_reject_records_the_change_set_and_verdict(project, aws):
    codepipeline = stub_pipeline(aws)
    stub_review(aws.accounts["prod"], list_first=False)
    expect_answer(codepipeline, "Rejected")
    result = approve(project, "--env", "prod", "--reject", "--summary", "replaces the orders table", "--yes")
    assert result.exit_code == 0, result.output
    aws.assert_done()
    assert aws.opened == ["build", "prod"]  # the change set is read in the account it lives in
    assert "Verdict: 2 data-loss" in result.output
    assert "Rejected Prod/Approve of pipeline orders." in result.output


def test_the_summary_names_change_set_and_verdict(project, aws):
    codepipeline = stub_pipeline(aws)
    stub_review(aws.accounts["prod"], list_first=False)
    sent = {}
    codepipeline.add_response("put_approval_result", {"approvedAt": T0})
    original = aws.accounts["build"].clients["codepipeline"].put_approval_result

    def capture(**kwargs):
        sent.update(kwargs)
        return original(**kwargs)

    aws.accounts["build"].clients["codepipeline"].put_approval_result = capture
    result = approve(project, "--approve", "--yes", "--summary", "reviewed with the DBA")
    assert result.exit_code == 0, result.output
    assert sent["result"] == {
        "status": "Approved",
        "summary": f"Approved change set {PROD_CHANGE_SET} of {PROD_STACK} (2 data-loss, 2 outage, 2 permission-broadening, 2 permission in 9 changes) with pipekit. reviewed with the DBA",
    }


def test_asks_on_a_terminal(project, aws, monkeypatch):
    monkeypatch.setattr("pipekit.cli.app.Application.can_ask", staticmethod(lambda: True))
    codepipeline = stub_pipeline(aws)
    stub_review(aws.accounts["prod"], list_first=False)
    expect_answer(codepipeline, "Approved")
    result = approve(project, input="approve\n")
    assert result.exit_code == 0, result.output
    assert "Approve, reject, or cancel?" in result.output


def test_cancel_leaves_the_approval_waiting(project, aws, monkeypatch):
    monkeypatch.setattr("pipekit.cli.app.Application.can_ask", staticmethod(lambda: True))
    stub_pipeline(aws)
    stub_review(aws.accounts["prod"], list_first=False)
    result = approve(project, input="cancel\n")
    assert result.exit_code == 1 and "still waiting" in result.output
    aws.assert_done()  # no PutApprovalResult was made


def test_ctrl_c_at_the_question_answers_nothing_and_exits_130(project, aws, monkeypatch):
    import click

    def ctrl_c(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("pipekit.cli.app.Application.can_ask", staticmethod(lambda: True))
    monkeypatch.setattr(click, "prompt", ctrl_c)
    stub_pipeline(aws)
    stub_review(aws.accounts["prod"], list_first=False)
    result = approve(project)
    assert result.exit_code == 130, result.output
    aws.assert_done()  # no PutApprovalResult was made
    assert result.stderr.strip() == "error: interrupted: nothing was answered; the approval still waits"


def test_ctrl_c_while_the_answer_is_sent_says_it_may_have_been_recorded(project, aws):
    stub_pipeline(aws)
    stub_review(aws.accounts["prod"], list_first=False)

    def ctrl_c(**kwargs):
        raise KeyboardInterrupt

    aws.accounts["build"].clients["codepipeline"].put_approval_result = ctrl_c
    result = approve(project, "--approve", "--yes")
    assert result.exit_code == 130, result.output
    assert result.stderr.strip() == ("error: interrupted while the answer was being sent: it may or may not have been "
                                              "recorded; `pipekit status` shows whether Prod still waits")


def test_nothing_waiting(project, aws):
    stub_pipeline(aws, waiting=False)
    result = approve(project, "--approve", "--yes")
    assert result.exit_code == 1 and "no manual approval is waiting" in result.output


def test_an_expired_token(project, aws):
    codepipeline = stub_pipeline(aws)
    stub_review(aws.accounts["prod"], list_first=False)
    codepipeline.add_client_error("put_approval_result", "InvalidApprovalTokenException", "The token is invalid", 400)
    result = approve(project, "--approve", "--yes")
    assert result.exit_code == 1 and "no longer valid" in result.output and "Traceback" not in result.output


def test_an_approval_already_answered(project, aws):
    codepipeline = stub_pipeline(aws)
    stub_review(aws.accounts["prod"], list_first=False)
    codepipeline.add_client_error("put_approval_result", "ApprovalAlreadyCompletedException", "already completed", 400)
    result = approve(project, "--reject", "--yes")
    assert result.exit_code == 1 and "already answered" in result.output


def test_a_change_set_that_is_gone(project, aws):
    stub_pipeline(aws)
    aws.accounts["prod"].stub("cloudformation").add_client_error("describe_change_set", "ChangeSetNotFound", "does not exist", 404)
    result = approve(project, "--approve", "--yes")
    assert result.exit_code == 1 and "is gone" in result.output


def test_a_change_set_already_executed(project, aws):
    stub_pipeline(aws)
    aws.accounts["prod"].stub("cloudformation").add_response(
        "describe_change_set", change_set_page([resource_change("Add", "X", "AWS::SQS::Queue")], execution="EXECUTE_COMPLETE"))
    result = approve(project, "--approve", "--yes")
    assert result.exit_code == 1 and "already executed" in result.output


def test_without_a_terminal_the_decision_must_be_given(project, aws):
    result = approve(project)
    assert result.exit_code == 2 and "--approve or --reject" in result.output
    assert aws.opened == []


def test_the_gate_is_the_change_set_created_before_the_approval():
    from pipekit.aws.codepipeline import PendingApproval
    from pipekit.release.approvals import gate_of
    from conftest import config_from, example_data

    role = "arn:aws:iam::333333333333:role/orders-deploy"
    actions = [
        action("CreateEarlier", 1, "Deploy", "CloudFormation", {"ActionMode": "CHANGE_SET_REPLACE", "StackName": "s", "ChangeSetName": "first"}, role),
        action("CreateGated", 2, "Deploy", "CloudFormation", {"ActionMode": "CHANGE_SET_REPLACE", "StackName": "s", "ChangeSetName": "gated"}, role),
        action("Approve", 3, "Approval", "Manual"),
        action("CreateAfter", 4, "Deploy", "CloudFormation", {"ActionMode": "CHANGE_SET_REPLACE", "StackName": "s", "ChangeSetName": "after"}, role),
    ]
    waiting = PendingApproval("orders", "Prod", "Approve", TOKEN)
    gate = gate_of(waiting, list(reversed(actions)), config_from(example_data()))
    assert (gate.account, gate.change_set) == ("prod", "gated")


def test_the_dossier_covers_the_gated_environment_and_the_one_before_it():
    from pipekit.aws.codepipeline import PendingApproval
    from pipekit.project import layout
    from pipekit.release.approvals import dossier_scope
    from conftest import config_from, example_data

    cfg = config_from(example_data())
    first, second = cfg.environments[0], cfg.environments[1]
    actions = [action("Approve", 3, "Approval", "Manual") | {"timeoutInMinutes": 90}, action("Other", 1, "Deploy", "CloudFormation")]
    scope = dossier_scope(PendingApproval("orders", layout.stage_name(second), "Approve", TOKEN), actions, cfg)
    assert (scope.environment, scope.previous.name, scope.timeout_minutes) == (second.name, first.name, 90)
    # the first environment has none before it; a stage no environment names keeps its own name
    assert dossier_scope(PendingApproval("orders", layout.stage_name(first), "Approve", TOKEN), [], cfg).previous is None
    assert dossier_scope(PendingApproval("orders", "Elsewhere", "Approve", TOKEN), [], cfg).environment == "Elsewhere"


def test_approve_and_reject_together_is_a_usage_error(project, aws):
    result = approve(project, "--approve", "--reject", "--yes")
    assert result.exit_code == 2 and "--approve and --reject cannot be given together" in result.output
    assert aws.opened == []


def test_an_unknown_environment_is_refused_before_any_aws_call(project, aws):
    result = approve(project, "--env", "qa")
    assert result.exit_code == 2 and "unknown environment 'qa' (known: dev, prod)" in result.output
    assert aws.opened == []


def test_a_stage_rollback_is_shown_as_one_and_recorded_as_one(project, aws):
    """A V2 stage rollback re-runs the gate: approve says it is a rollback and to which
    execution (GetPipelineExecution's rollbackMetadata, Stubber), before the change set."""
    codepipeline = stub_pipeline(aws, execution_type="ROLLBACK")
    codepipeline.add_response(
        "get_pipeline_execution",
        {"pipelineExecution": {"pipelineName": "orders", "pipelineExecutionId": ROLLBACK_EXECUTION, "status": "InProgress",
                               "executionType": "ROLLBACK", "rollbackMetadata": {"rollbackTargetPipelineExecutionId": TARGET_EXECUTION}}},
        {"pipelineName": "orders", "pipelineExecutionId": ROLLBACK_EXECUTION},
    )
    stub_review(aws.accounts["prod"], list_first=False)
    sent = {}
    codepipeline.add_response("put_approval_result", {"approvedAt": T0})
    original = aws.accounts["build"].clients["codepipeline"].put_approval_result
    aws.accounts["build"].clients["codepipeline"].put_approval_result = lambda **kw: (sent.update(kw), original(**kw))[1]
    result = approve(project, "--env", "prod", "--approve", "--yes")
    assert result.exit_code == 0, result.output
    aws.assert_done()
    notice = f"ROLLBACK to execution {TARGET_EXECUTION}: pipeline execution {ROLLBACK_EXECUTION} rolls this stage back"
    assert notice in result.output
    assert result.output.index(notice) < result.output.index("Verdict:")
    assert sent["result"]["summary"].startswith(f"Approved ROLLBACK to execution {TARGET_EXECUTION}: change set {PROD_CHANGE_SET}")


def test_a_standard_execution_is_not_called_a_rollback(project, aws):
    codepipeline = stub_pipeline(aws)  # no GetPipelineExecution is stubbed: none may be made
    stub_review(aws.accounts["prod"], list_first=False)
    expect_answer(codepipeline, "Approved")
    result = approve(project, "--env", "prod", "--approve", "--yes")
    assert result.exit_code == 0, result.output
    assert "ROLLBACK" not in result.output
