"""pipekit changeset show, with the botocore Stubber (moto fills neither Replacement nor
Details): an Add/Modify/Remove mix, table replacement with and without Retain, a
Conditional replacement, nested stacks, IAM changes, pagination; golden outputs."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from conftest import assert_golden
from pipekit.cli import main
from stubbed_aws import (
    PROD_CHANGE_SET, PROD_CHANGE_SET_ID, PROD_STACK, PROD_STACK_ID, T0, change_set_page, detail, resource_change,
)

NESTED_STACK_ID = "arn:aws:cloudformation:eu-west-1:333333333333:stack/orders-svc-prod-Workers-1XY/77aa"
NESTED_CHANGE_SET_ID = "arn:aws:cloudformation:eu-west-1:333333333333:changeSet/orders-svc-prod-Workers-1XY-cs/bb22"

CURRENT_TEMPLATE = """\
Resources:
  Table: {Type: AWS::DynamoDB::Table}
  ArchiveTable: {Type: AWS::DynamoDB::Table, UpdateReplacePolicy: Retain, DeletionPolicy: Retain}
  OldQueue: {Type: AWS::SQS::Queue}
"""
PROPOSED_TEMPLATE = """\
Resources:
  Table: {Type: AWS::DynamoDB::Table}
  ArchiveTable: {Type: AWS::DynamoDB::Table, UpdateReplacePolicy: Retain, DeletionPolicy: Retain}
"""

LAMBDA_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
WORKER_READS = {"Effect": "Allow", "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage"],
                "Resource": "arn:aws:sqs:eu-west-1:333333333333:orders-work", "Sid": "Work"}
WORKER_POLICY_BEFORE = {"PolicyDocument": {"Version": "2012-10-17", "Statement": [
    WORKER_READS,
    {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "arn:aws:dynamodb:eu-west-1:333333333333:table/orders", "Sid": "Orders"},
]}, "Roles": ["orders-worker-role"]}
WORKER_POLICY_AFTER = {"PolicyDocument": {"Version": "2012-10-17", "Statement": [
    WORKER_READS,
    {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:DeleteItem"], "Resource": "*", "Sid": "Orders"},
]}, "Roles": ["orders-worker-role"]}

TOP_CHANGES = [
    resource_change("Add", "WorkerRole", "AWS::IAM::Role", after={"AssumeRolePolicyDocument": LAMBDA_TRUST}),
    resource_change("Modify", "OrdersApiFunction", "AWS::Lambda::Function", "False", "orders-svc-prod-OrdersApiFunction-AbC",
                    [detail("Code", "Never")]),
    resource_change("Modify", "Table", "AWS::DynamoDB::Table", "True", "orders-svc-prod-orders",
                    [detail("KeySchema", "Always", before='[{"AttributeName":"id","KeyType":"HASH"}]', after='[{"AttributeName":"orderId","KeyType":"HASH"}]')]),
    resource_change("Modify", "ArchiveTable", "AWS::DynamoDB::Table", "True", "orders-svc-prod-archive", [detail("KeySchema", "Always")]),
    resource_change("Modify", "HttpApi", "AWS::ApiGatewayV2::Api", "Conditional", "a1b2c3", [detail("ProtocolType", "Conditionally")]),
    resource_change("Remove", "OldQueue", "AWS::SQS::Queue", "", "https://sqs.eu-west-1.amazonaws.com/333333333333/old"),
    resource_change("Modify", "Workers", "AWS::CloudFormation::Stack", "False", NESTED_STACK_ID, [detail("TemplateURL", "Never")],
                    change_set_id=NESTED_CHANGE_SET_ID),
]
NESTED_CHANGES = [
    resource_change("Modify", "WorkerPolicy", "AWS::IAM::ManagedPolicy", "False", "arn:aws:iam::333333333333:policy/w",
                    [detail("PolicyDocument", "Never")], before=WORKER_POLICY_BEFORE, after=WORKER_POLICY_AFTER),
    resource_change("Modify", "WorkerFunction", "AWS::Lambda::Function", "True", "orders-worker", [detail("FunctionName", "Always")]),
]


def stub_review(account, list_first=True):
    cf = account.stub("cloudformation")
    if list_first:
        cf.add_response("list_change_sets", {"Summaries": [
            {"StackName": PROD_STACK, "ChangeSetName": "older", "Status": "CREATE_COMPLETE", "ExecutionStatus": "AVAILABLE", "CreationTime": T0.replace(hour=8)},
            {"StackName": PROD_STACK, "ChangeSetName": PROD_CHANGE_SET, "Status": "CREATE_COMPLETE", "ExecutionStatus": "AVAILABLE", "CreationTime": T0},
            {"StackName": PROD_STACK, "ChangeSetName": "failed-one", "Status": "FAILED", "ExecutionStatus": "UNAVAILABLE", "CreationTime": T0.replace(hour=10)},
        ]}, {"StackName": PROD_STACK})
    cf.add_response("describe_change_set", change_set_page(TOP_CHANGES),
                    {"StackName": PROD_STACK, "ChangeSetName": PROD_CHANGE_SET, "IncludePropertyValues": True})
    cf.add_response("get_template", {"TemplateBody": CURRENT_TEMPLATE}, {"StackName": PROD_STACK_ID, "TemplateStage": "Original"})
    cf.add_response("get_template", {"TemplateBody": PROPOSED_TEMPLATE},
                    {"StackName": PROD_STACK_ID, "ChangeSetName": PROD_CHANGE_SET_ID, "TemplateStage": "Original"})
    cf.add_response("describe_change_set", change_set_page(NESTED_CHANGES, "orders-svc-prod-Workers-1XY-cs", NESTED_CHANGE_SET_ID,
                                                           "orders-svc-prod-Workers-1XY", NESTED_STACK_ID),
                    {"ChangeSetName": NESTED_CHANGE_SET_ID, "IncludePropertyValues": True})
    cf.add_response("get_template", {"TemplateBody": "Resources: {}\n"}, {"StackName": NESTED_STACK_ID, "TemplateStage": "Original"})
    cf.add_response("get_template", {"TemplateBody": "Resources: {}\n"},
                    {"StackName": NESTED_STACK_ID, "ChangeSetName": NESTED_CHANGE_SET_ID, "TemplateStage": "Original"})


def show(project, *args):
    return CliRunner().invoke(main, ["--config", str(project / "pipekit.yaml"), "changeset", "show", *args])


def test_json_output_assert_golden(project, aws):
    stub_review(aws.accounts["prod"])
    result = show(project, "--env", "prod", "--format", "json")
    assert result.exit_code == 0, result.output
    aws.assert_done()
    assert aws.opened == ["prod"]
    assert_golden("changeset-prod.json", result.output)
    report = json.loads(result.output)
    assert report["verdict"] == "2 data-loss, 2 outage, 2 permission-broadening, 2 permission in 9 changes"
    by_id = {c["logical_id"]: c for c in report["changes"]}
    assert [r["kind"] for r in by_id["Table"]["risks"]] == ["data-loss"]
    assert by_id["ArchiveTable"]["risks"] == []  # UpdateReplacePolicy: Retain keeps the data
    assert by_id["HttpApi"]["risks"] == [{"kind": "outage", "certain": False, "why": "AWS::ApiGatewayV2::Api possibly replaced; clients of the old one break"}]
    assert by_id["Table"]["causes"][0]["before"] == '[{"AttributeName":"id","KeyType":"HASH"}]'
    nested = by_id["Workers"]["nested"]
    assert [c["logical_id"] for c in nested["changes"]] == ["WorkerPolicy", "WorkerFunction"]
    # The policy's statement-level diff: the Orders statement gains an action and goes to "*".
    [document] = nested["changes"][0]["access"]["documents"]
    [orders] = document["widened"]
    assert (orders["sid"], orders["actions"], orders["resources"]) == ("Orders", ["dynamodb:DeleteItem"], ["*"])
    assert document["narrowed"] == [] and nested["changes"][1]["access"] is None


def test_markdown_output_assert_golden(project, aws):
    stub_review(aws.accounts["prod"])
    result = show(project, "--env", "prod", "--format", "markdown")
    assert result.exit_code == 0, result.output
    assert_golden("changeset-prod.md", result.output)
    assert result.output.splitlines()[2] == "**Verdict: 2 data-loss, 2 outage, 2 permission-broadening, 2 permission in 9 changes**"
    assert "- widens `PolicyDocument` Orders: actions dynamodb:DeleteItem; resources *" in result.output
    assert "&nbsp;&nbsp;└ `WorkerFunction`" in result.output


def test_table_output_shows_the_verdict_first(project, aws):
    """Off a terminal the table is plain lines, one per change, with the table's columns."""
    stub_review(aws.accounts["prod"])
    result = show(project, "--env", "prod")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Verdict: 2 data-loss, 2 outage, 2 permission-broadening, 2 permission in 9 changes")
    assert "KeySchema" in result.output and "data-loss" in result.output.split("\n", 1)[1]
    assert_golden("changeset-prod.txt", result.output)
    lines = result.output.splitlines()
    # the verdict, the change set, one line per change and under the role and the policy what widens; no table
    assert len(lines) == 2 + 9 + 2 and "│" not in result.output
    policy = next(i for i, line in enumerate(lines) if "Modify WorkerPolicy" in line)
    assert lines[policy + 1] == "        widens PolicyDocument Orders: actions dynamodb:DeleteItem; resources *"
    assert "    Modify WorkerFunction AWS::Lambda::Function replacement=True risk=outage physical=orders-worker" in lines[-1]


def test_on_a_terminal_the_table_is_rich(project, aws, monkeypatch):
    import io

    from rich.console import Console

    screen = Console(file=io.StringIO(), force_terminal=True, width=200)
    monkeypatch.setattr("pipekit.ui.console.out", lambda: screen)
    monkeypatch.setattr("pipekit.ui.review.on_terminal", lambda: True)
    stub_review(aws.accounts["prod"])
    result = show(project, "--env", "prod")
    assert result.exit_code == 0, result.output
    drawn = screen.file.getvalue()
    assert "Logical ID" in drawn and "Physical ID" in drawn and "KeySchema" in drawn
    assert result.output == ""  # everything went to the terminal's table


@pytest.mark.parametrize("fail_on, code", [("data-loss", 3), ("public-access", 3), ("outage", 3), ("permission-broadening", 3),
                                           ("permission", 3), ("any", 3), ("none", 0)])
def test_fail_on_gates(project, aws, fail_on, code):
    stub_review(aws.accounts["prod"])
    assert show(project, "--env", "prod", "--format", "json", "--fail-on", fail_on, "--no-drift").exit_code == code


def test_fail_on_data_loss_passes_when_only_permissions_change(project, aws):
    cf = aws.accounts["prod"].stub("cloudformation")
    cf.add_response("describe_change_set", change_set_page([resource_change("Add", "WorkerRole", "AWS::IAM::Role",
                                                                            after={"AssumeRolePolicyDocument": LAMBDA_TRUST})]))
    cf.add_response("get_template", {"TemplateBody": "Resources: {}\n"})
    cf.add_response("get_template", {"TemplateBody": "Resources: {}\n"})
    result = show(project, "--env", "prod", "--name", PROD_CHANGE_SET, "--format", "json", "--fail-on", "data-loss")
    assert result.exit_code == 0
    assert json.loads(result.output)["counts"] == {"data-loss": 0, "public-access": 0, "outage": 0, "permission-broadening": 1, "permission": 1,
                                                   "overwrites-drift": 0}


def test_more_than_100_changes_are_all_read(project, aws):
    cf = aws.accounts["prod"].stub("cloudformation")
    first = [resource_change("Add", f"Queue{i}", "AWS::SQS::Queue") for i in range(100)]
    second = [resource_change("Remove", "LastTable", "AWS::DynamoDB::Table")]
    cf.add_response("describe_change_set", change_set_page(first, token="next-page"),
                    {"StackName": PROD_STACK, "ChangeSetName": PROD_CHANGE_SET, "IncludePropertyValues": True})
    cf.add_response("describe_change_set", change_set_page(second),
                    {"StackName": PROD_STACK, "ChangeSetName": PROD_CHANGE_SET, "IncludePropertyValues": True, "NextToken": "next-page"})
    cf.add_response("get_template", {"TemplateBody": "Resources: {}\n"})
    cf.add_response("get_template", {"TemplateBody": "Resources: {}\n"})
    result = show(project, "--env", "prod", "--name", PROD_CHANGE_SET, "--format", "json")
    report = json.loads(result.output)
    assert len(report["changes"]) == 101 and report["counts"]["data-loss"] == 1


def test_no_pending_change_set_is_a_clear_error(project, aws):
    aws.accounts["prod"].stub("cloudformation").add_response("list_change_sets", {"Summaries": []})
    result = show(project, "--env", "prod")
    assert result.exit_code == 1 and "has no change set waiting" in result.output


def test_an_executed_change_set_is_refused(project, aws):
    aws.accounts["prod"].stub("cloudformation").add_response(
        "describe_change_set", change_set_page([], execution="EXECUTE_COMPLETE"))
    result = show(project, "--env", "prod", "--name", PROD_CHANGE_SET)
    assert result.exit_code == 1 and "already executed (EXECUTE_COMPLETE)" in result.output


def test_a_deleted_change_set_is_refused(project, aws):
    aws.accounts["prod"].stub("cloudformation").add_client_error(
        "describe_change_set", "ChangeSetNotFound", "ChangeSet [x] does not exist", 404)
    result = show(project, "--env", "prod", "--name", PROD_CHANGE_SET)
    assert result.exit_code == 1 and "is gone" in result.output


def test_which_stack_must_be_said(project, aws):
    result = show(project, "--account", "build")
    assert result.exit_code == 2 and "--stack" in result.output
    assert show(project, "--env", "staging").exit_code == 2


def test_an_obsolete_change_set_is_refused(project, aws):
    aws.accounts["prod"].stub("cloudformation").add_response(
        "describe_change_set", change_set_page([resource_change("Modify", "Table", "AWS::DynamoDB::Table")], execution="OBSOLETE"))
    result = show(project, "--env", "prod", "--name", PROD_CHANGE_SET)
    assert result.exit_code == 1 and "is obsolete" in result.output
