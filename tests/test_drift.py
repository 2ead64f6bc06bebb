"""pipekit drift, with botocore's Stubber (moto has no drift detection; every request is
validated against botocore's CloudFormation model, responses shaped as drift_stubs.py
says): a drifted table property shown and flagged, nothing drifted, incomplete detection,
the revert change set, a gated environment refusing --revert."""

from __future__ import annotations

import json

import pytest
from botocore.stub import ANY
from click.testing import CliRunner

from drift_stubs import (
    DEV_STACK, DEV_STACK_ID, FUNCTION_IN_SYNC, ROLE_IN_SYNC, ROLES_STACK, ROLES_STACK_ID, TABLE, TABLE_DRIFT, drift_target,
    stub_detection,
)
from pipekit.cli import main
from stubbed_aws import T0, change_set_page, resource_change

DEV_CHANGE_SET_ID = "arn:aws:cloudformation:eu-west-1:222222222222:changeSet/pipekit-revert-drift/cc33"


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    monkeypatch.setattr("pipekit.release.polling.Backoff.wait", lambda self: None)


def run(project, *args):
    return CliRunner().invoke(main, ["--config", str(project / "pipekit.yaml"), "drift", *args])


def test_a_drifted_table_property_is_shown_with_template_and_live_values(project, aws):
    cf = aws.accounts["dev"].stub("cloudformation")
    stub_detection(cf, DEV_STACK, DEV_STACK_ID, [TABLE_DRIFT, FUNCTION_IN_SYNC], "d-1", in_progress=2, drift="DRIFTED")
    stub_detection(cf, ROLES_STACK, ROLES_STACK_ID, [ROLE_IN_SYNC], "d-2")
    result = run(project, "--env", "dev", "--format", "json")
    assert result.exit_code == 0, result.output
    aws.assert_done()
    assert aws.opened == ["dev"]
    report = json.loads(result.stdout)
    assert report["verdict"] == "1 of 3 resources drifted (2 properties) in 2 stacks"
    assert report["drifted"] is True and report["incomplete"] == []
    service, roles = report["stacks"]
    assert (service["stack"], service["drift_status"], roles["drift_status"]) == (DEV_STACK, "DRIFTED", "IN_SYNC")
    table = service["resources"][0]
    assert (table["logical_id"], table["physical_id"], table["status"]) == ("Table", TABLE, "MODIFIED")
    assert table["differences"][0] == {"path": "/BillingMode", "kind": "NOT_EQUAL", "expected": "PAY_PER_REQUEST", "actual": "PROVISIONED"}


def test_text_and_markdown_show_each_drifted_property(project, aws):
    cf = aws.accounts["dev"].stub("cloudformation")
    stub_detection(cf, DEV_STACK, DEV_STACK_ID, [TABLE_DRIFT, FUNCTION_IN_SYNC], "d-1", drift="DRIFTED")
    result = run(project, "--env", "dev", "--stack", "service")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "dev (dev account): 1 of 2 resources drifted (2 properties) in 1 stack"
    assert lines[1] == f"  {DEV_STACK} Table AWS::DynamoDB::Table MODIFIED /BillingMode not_equal: template PAY_PER_REQUEST live PROVISIONED"
    assert "OrdersApiFunction" not in result.stdout  # in sync: not a row

    stub_detection(cf, DEV_STACK, DEV_STACK_ID, [TABLE_DRIFT], "d-2", drift="DRIFTED")
    markdown = run(project, "--env", "dev", "--stack", "service", "--format", "markdown").stdout
    assert "**Verdict: 1 of 1 resources drifted (2 properties) in 1 stack**" in markdown
    assert "| orders-svc-dev | `Table` | AWS::DynamoDB::Table | MODIFIED | `/BillingMode` (NOT_EQUAL) | PAY_PER_REQUEST | PROVISIONED |" in markdown


def test_fail_on_drift_trips_with_exit_3(project, aws):
    cf = aws.accounts["dev"].stub("cloudformation")
    stub_detection(cf, DEV_STACK, DEV_STACK_ID, [TABLE_DRIFT], "d-1", drift="DRIFTED")
    assert run(project, "--env", "dev", "--stack", "service", "--fail-on", "drift").exit_code == 3


def test_nothing_drifted_passes_the_gate(project, aws):
    cf = aws.accounts["dev"].stub("cloudformation")
    stub_detection(cf, DEV_STACK, DEV_STACK_ID, [FUNCTION_IN_SYNC], "d-1")
    stub_detection(cf, ROLES_STACK, ROLES_STACK_ID, [ROLE_IN_SYNC], "d-2")
    result = run(project, "--env", "dev", "--fail-on", "drift")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["dev (dev account): no drift in 2 resources of 2 stacks"]


def test_a_stack_not_deployed_is_said_and_not_an_error(project, aws):
    cf = aws.accounts["dev"].stub("cloudformation")
    cf.add_client_error("detect_stack_drift", "ValidationError", f"Stack with id {DEV_STACK} does not exist", 400)
    result = run(project, "--env", "dev", "--stack", "service", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["stacks"][0]["deployed"] is False and report["verdict"] == "no drift in 0 resources of 0 stacks"


def test_incomplete_detection_shows_what_it_read_and_fails(project, aws):
    cf = aws.accounts["dev"].stub("cloudformation")
    why = "Failed to detect drift on resources [OrdersApiFunction]: not authorized to perform lambda:GetFunction"
    stub_detection(cf, DEV_STACK, DEV_STACK_ID, [TABLE_DRIFT], "d-1", status="DETECTION_FAILED", drift="DRIFTED", reason=why)
    result = run(project, "--env", "dev", "--stack", "service")
    assert result.exit_code == 1
    assert f"incomplete: {DEV_STACK}: {why}" in result.stdout and "/BillingMode" in result.stdout
    stub_detection(cf, DEV_STACK, DEV_STACK_ID, [TABLE_DRIFT], "d-2", status="DETECTION_FAILED", drift="DRIFTED", reason=why)
    assert run(project, "--env", "dev", "--stack", "service", "--fail-on", "drift").exit_code == 3  # the gate still speaks


# ---------------------------------------------------------------- --revert


def stub_revert(cf, changes, *, execute=True, empty=False):
    cf.add_response("describe_stacks", {"Stacks": [{
        "StackName": DEV_STACK, "StackId": DEV_STACK_ID, "StackStatus": "UPDATE_COMPLETE", "CreationTime": T0,
        "Capabilities": ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
        "Parameters": [{"ParameterKey": "Stage", "ParameterValue": "dev"}],
    }]}, {"StackName": DEV_STACK})
    cf.add_response("create_change_set", {"Id": DEV_CHANGE_SET_ID, "StackId": DEV_STACK_ID}, {
        "StackName": DEV_STACK, "ChangeSetName": ANY, "ChangeSetType": "UPDATE", "UsePreviousTemplate": True,
        "Parameters": [{"ParameterKey": "Stage", "UsePreviousValue": True}],
        "Capabilities": ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"], "DeploymentMode": "REVERT_DRIFT",
        "IncludeNestedStacks": True, "Description": ANY,
    })
    page = dict(name="pipekit-revert-drift", change_set_id=DEV_CHANGE_SET_ID, stack=DEV_STACK, stack_id=DEV_STACK_ID)
    cf.add_response("describe_change_set", change_set_page([], status="CREATE_PENDING", execution="UNAVAILABLE", **page))
    if empty:
        cf.add_response("describe_change_set", {**change_set_page([], status="FAILED", execution="UNAVAILABLE", **page),
                                                "StatusReason": "The submitted information didn't contain changes."})
        cf.add_response("delete_change_set", {}, {"StackName": DEV_STACK, "ChangeSetName": ANY})
        return
    cf.add_response("describe_change_set", change_set_page(changes, **page))
    cf.add_response("describe_change_set", change_set_page(changes, **page),
                    {"StackName": DEV_STACK, "ChangeSetName": ANY, "IncludePropertyValues": True})
    if not execute:
        return
    old = {"EventId": "e-0", "StackId": DEV_STACK_ID, "StackName": DEV_STACK, "Timestamp": T0, "LogicalResourceId": DEV_STACK,
           "ResourceStatus": "UPDATE_COMPLETE"}
    new = {"EventId": "e-1", "StackId": DEV_STACK_ID, "StackName": DEV_STACK, "Timestamp": T0.replace(minute=40),
           "LogicalResourceId": "Table", "ResourceType": "AWS::DynamoDB::Table", "ResourceStatus": "UPDATE_COMPLETE"}
    done = {**new, "EventId": "e-2", "Timestamp": T0.replace(minute=41), "LogicalResourceId": DEV_STACK,
            "ResourceType": "AWS::CloudFormation::Stack"}
    cf.add_response("describe_stack_events", {"StackEvents": [old]}, {"StackName": DEV_STACK_ID})
    cf.add_response("execute_change_set", {}, {"StackName": DEV_STACK, "ChangeSetName": ANY})
    # Following reads the state and the events; the stack's own final event says those are all.
    cf.add_response("describe_stacks", {"Stacks": [{"StackName": DEV_STACK, "StackId": DEV_STACK_ID, "StackStatus": "UPDATE_COMPLETE",
                                                    "CreationTime": T0}]}, {"StackName": DEV_STACK_ID})
    cf.add_response("describe_stack_events", {"StackEvents": [done, new, old]}, {"StackName": DEV_STACK_ID})


REVERT_CHANGES = [
    resource_change("Modify", "Table", "AWS::DynamoDB::Table", "False", TABLE, [
        drift_target("BillingMode", "PROVISIONED", "PAY_PER_REQUEST", actual="PROVISIONED", previous="PAY_PER_REQUEST"),
        drift_target("Tags", '[{"Key":"team","Value":"orders"}]', '[{"Key":"team","Value":"orders"}]', change_type="SyncWithActual"),
    ]),
]


def test_revert_shows_live_and_template_values_and_executes_with_yes(project, aws):
    cf = aws.accounts["dev"].stub("cloudformation")
    stub_revert(cf, REVERT_CHANGES)
    result = run(project, "--env", "dev", "--revert", "--yes")
    assert result.exit_code == 0, result.output
    aws.assert_done()
    lines = result.stdout.splitlines()
    assert lines[0].endswith(": 1 properties reverted to the template, 1 only resynced, 0 other changes")
    assert ("  Table AWS::DynamoDB::Table /Properties/BillingMode: reverted to the template; "
            "live PROVISIONED template PAY_PER_REQUEST") in lines
    assert any("/Properties/Tags: resync only (live value kept)" in line for line in lines)
    assert "Table AWS::DynamoDB::Table UPDATE_COMPLETE" in result.stdout  # the stack followed to its end
    assert lines[-1] == f"{DEV_STACK}: UPDATE_COMPLETE"


def test_revert_json_is_one_document(project, aws):
    cf = aws.accounts["dev"].stub("cloudformation")
    stub_revert(cf, REVERT_CHANGES, execute=False)
    result = run(project, "--env", "dev", "--revert", "--no-execute", "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["result"] == "created_only"
    billing, tags = document["change_set"]["properties"]
    assert (billing["live"], billing["template"], billing["previous_deployment"], billing["effect"]) == (
        "PROVISIONED", "PAY_PER_REQUEST", "PAY_PER_REQUEST", "revert")
    assert tags["effect"] == "resync"


def test_revert_declined_at_the_question_executes_nothing_and_fails(project, aws, monkeypatch):
    from pipekit.cli.app import Application

    asked = []
    monkeypatch.setattr(Application, "can_ask", staticmethod(lambda: True))
    monkeypatch.setattr(Application, "confirm", staticmethod(lambda question: asked.append(question) or False))
    cf = aws.accounts["dev"].stub("cloudformation")
    stub_revert(cf, REVERT_CHANGES, execute=False)  # no execute_change_set stubbed: calling it fails
    result = run(project, "--env", "dev", "--revert")
    assert result.exit_code == 1, result.output
    aws.assert_done()
    assert asked and asked[0].startswith("Execute drift-aware change set pipekit-revert-drift")
    assert result.stdout.splitlines()[-1].startswith(f"{DEV_STACK}: not executed; change set pipekit-revert-drift")


def test_revert_no_execute_shows_the_change_set_and_leaves_it(project, aws):
    cf = aws.accounts["dev"].stub("cloudformation")
    stub_revert(cf, REVERT_CHANGES, execute=False)
    result = run(project, "--env", "dev", "--revert", "--no-execute")
    assert result.exit_code == 0, result.output
    aws.assert_done()
    assert "/Properties/BillingMode: reverted to the template" in result.stdout
    assert result.stdout.splitlines()[-1].endswith("left for review (--no-execute)")


def test_nothing_to_revert_deletes_the_empty_change_set(project, aws):
    cf = aws.accounts["dev"].stub("cloudformation")
    stub_revert(cf, [], empty=True)
    result = run(project, "--env", "dev", "--revert", "--yes")
    assert result.exit_code == 0, result.output
    aws.assert_done()
    assert result.stdout.strip() == f"{DEV_STACK}: nothing drifted; the empty change set was deleted"


def test_revert_without_a_terminal_needs_yes_or_no_execute(project, aws):
    aws.accounts["dev"].stub("cloudformation").add_response("describe_stacks", {"Stacks": [{
        "StackName": DEV_STACK, "StackId": DEV_STACK_ID, "StackStatus": "UPDATE_COMPLETE", "CreationTime": T0}]})
    result = run(project, "--env", "dev", "--revert")
    assert result.exit_code == 2 and "--yes" in result.output


def test_a_gated_environment_refuses_revert_and_names_the_pipeline_path(project, aws):
    result = run(project, "--env", "prod", "--revert", "--yes")
    assert result.exit_code == 2
    message = " ".join(result.output.split())
    assert "environment prod is gated by a manual approval" in message
    assert "aws codepipeline start-pipeline-execution --name orders" in message and "pipekit approve --env prod" in message
    assert aws.opened == []  # refused before any AWS call


def test_revert_without_drift_aware_botocore_says_which_version(monkeypatch):
    from pipekit.aws import cfn_drift

    class Shape:
        members = {"StackName": None}

    class Client:
        class meta:
            class service_model:
                @staticmethod
                def operation_model(name):
                    return type("Op", (), {"input_shape": Shape})

    with pytest.raises(cfn_drift.DriftUnsupported, match=r"upgrade to botocore/boto3 1\.40\.76 or newer"):
        cfn_drift.require_revert_drift(Client())


def test_revert_dry_run_prints_the_plan_and_creates_nothing(project, aws):
    aws.accounts["dev"].stub("cloudformation").add_response("describe_stacks", {"Stacks": [{
        "StackName": DEV_STACK, "StackId": DEV_STACK_ID, "StackStatus": "UPDATE_COMPLETE", "CreationTime": T0,
        "Capabilities": ["CAPABILITY_IAM"], "Parameters": [{"ParameterKey": "Stage", "ParameterValue": "dev"}]}]})
    result = run(project, "--env", "dev", "--revert", "--dry-run")
    assert result.exit_code == 0, result.output
    aws.assert_done()  # only DescribeStacks: no change set was created
    assert "(DeploymentMode REVERT_DRIFT) on orders-svc-dev in account dev" in result.stdout
    assert "parameter values (Stage)" in result.stdout and "capabilities CAPABILITY_IAM" in result.stdout


# ---------------------------------------------------------------- pure parts


def test_a_detection_that_never_finishes_fails_after_the_longest_wait():
    from pipekit.aws.cfn_drift import DriftDetection
    from pipekit.recovery.drift import DriftFailed, detect

    class Running:
        def detect_stack_drift(self, stack):
            return "d-1"

        def drift_detection(self, detection_id):
            assert now[0] < 3600, "still polling after an hour"
            return DriftDetection(detection_id, DEV_STACK_ID, "DETECTION_IN_PROGRESS", "UNKNOWN")

    now = [0.0]

    def clock():
        now[0] += 60
        return now[0]

    seen = []
    with pytest.raises(DriftFailed, match=f"{DEV_STACK}: drift detection d-1 still runs after 15 minutes"):
        detect(Running(), DEV_STACK, on_event=seen.append, clock=clock, max_wait=15 * 60)
    assert 5 < len(seen) < 15  # it waited, then gave up


def test_a_deleted_resource_is_counted_in_the_verdict():
    from pipekit.aws.cfn_drift import DriftDetection, ResourceDrift
    from pipekit.recovery.drift import DriftReport, StackDrift

    detection = DriftDetection("d-1", DEV_STACK_ID, "DETECTION_COMPLETE", "DRIFTED", drifted_count=1)
    stack = StackDrift(DEV_STACK, detection, (ResourceDrift("Table", TABLE, "AWS::DynamoDB::Table", "DELETED"),
                                               ResourceDrift("OrdersApiFunction", "fn", "AWS::Lambda::Function", "IN_SYNC")))
    report = DriftReport("dev", "dev", (stack,))
    assert report.verdict() == "1 of 2 resources drifted (0 properties, 1 deleted) in 1 stack"
    assert report.trips("drift") and not report.trips("none")
