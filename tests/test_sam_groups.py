"""SAM-generated resources grouped under the SAM resource they came from, checked against
the SAM translator's real output for the example service (aws-sam-translator, the
transform CloudFormation runs), and shown so in every review output."""

from __future__ import annotations

import json
from pathlib import Path

from pipekit.aws.cloudformation import ChangeSet, ResourceChange
from pipekit.checks.tools import transform
from pipekit.project import cfn_yaml
from pipekit.release.review import review
from pipekit.release.sam_groups import items, sam_template
from pipekit.ui.review import render_lines, render_markdown, render_plain, to_json

EXAMPLE = Path(__file__).parent.parent / "examples" / "dotnet-service" / "service" / "template.yaml"


def change(action, logical, kind, details=()):
    return ResourceChange(action, logical, f"{logical}-phys", kind, "False" if action == "Modify" else "", tuple(details))


def change_set(changes):
    return ChangeSet("id", "cs", "orders-svc-prod", "stack-id", "CREATE_COMPLETE", "", "AVAILABLE", tuple(changes))


def example():
    original = cfn_yaml.loads(EXAMPLE.read_text())
    processed = transform(original, "eu-west-1", lambda _, path: f"s3://bucket/{path}.zip")
    return original, processed


def test_every_resource_the_translator_generates_joins_its_sam_resource():
    original, processed = example()
    generated = set(processed["Resources"]) - set(original["Resources"])
    changes = [change("Add", lid, r["Type"]) for lid, r in processed["Resources"].items()]
    result = review(change_set(changes), {}, sam=sam_template(original))
    rows = items(result)
    owned = {c.change.logical_id: item.logical_id for item in rows for c in item.members}
    # Everything generated belongs to a SAM resource but CodeDeploy's application, which all
    # functions with a DeploymentPreference share.
    assert set(owned) == generated - {"ServerlessDeploymentApplication"}
    function = next(i for i in rows if i.logical_id == "OrdersApiFunction")
    assert function.resource_type == "AWS::Serverless::Function" and function.own.change.resource_type == "AWS::Lambda::Function"
    assert sorted(c.change.resource_type for c in function.members) == [
        "AWS::CodeDeploy::DeploymentGroup", "AWS::IAM::Role", "AWS::Lambda::Alias", "AWS::Lambda::Permission", "AWS::Lambda::Version",
    ]
    # The hooks are functions of their own: their roles do not land under OrdersApiFunction.
    assert owned["OrdersApiPreTrafficHookRole"] == "OrdersApiPreTrafficHook"
    # Measured on the example: the change set of a first deploy reads as fewer rows.
    assert (len(changes), len(rows)) == (len(processed["Resources"]), len(original["Resources"]) + 1)
    assert len(rows) < len(changes) - 5


def test_a_written_resource_that_shares_the_prefix_stays_on_its_own():
    original = {"Resources": {"Fn": {"Type": "AWS::Serverless::Function"}, "FnAlarm": {"Type": "AWS::CloudWatch::Alarm"}}}
    result = review(change_set([change("Modify", "FnRole", "AWS::IAM::Role"), change("Modify", "FnAlarm", "AWS::CloudWatch::Alarm")]),
                    {}, sam=sam_template(original))
    assert [(i.logical_id, [c.change.logical_id for c in i.changes]) for i in items(result)] == [("Fn", ["FnRole"]), ("FnAlarm", ["FnAlarm"])]


def test_the_longest_sam_resource_prefix_wins():
    original = {"Resources": {"Api": {"Type": "AWS::Serverless::Api"}, "ApiHandler": {"Type": "AWS::Serverless::Function"}}}
    sam = sam_template(original)
    assert sam.owner("ApiHandlerRole") == "ApiHandler" and sam.owner("ApiProdStage") == "Api" and sam.owner("ApiHandler") is None


def test_a_sam_function_without_generated_changes_reads_as_its_own_change():
    original = {"Resources": {"Fn": {"Type": "AWS::Serverless::Function"}}}
    result = review(change_set([change("Modify", "Fn", "AWS::Lambda::Function")]), {}, sam=sam_template(original))
    assert render_lines(result)[1] == "  Modify Fn AWS::Lambda::Function replacement=False risk=-"


def release_review():
    """A code release of the example: new version, alias moved, the role's policy changed."""
    original, _ = example()
    code = {"Target": {"Attribute": "Properties", "Name": "Code", "RequiresRecreation": "Never"}, "Evaluation": "Static"}
    changes = [
        change("Modify", "OrdersApiFunction", "AWS::Lambda::Function", [code]),
        change("Add", "OrdersApiFunctionVersion1a2b3c4d5e", "AWS::Lambda::Version"),
        change("Remove", "OrdersApiFunctionVersion97cb03babf", "AWS::Lambda::Version"),
        change("Modify", "OrdersApiFunctionAliaslive", "AWS::Lambda::Alias",
               [{"Target": {"Attribute": "Properties", "Name": "FunctionVersion", "RequiresRecreation": "Never"}, "Evaluation": "Dynamic"}]),
        change("Modify", "OrdersApiFunctionDeploymentGroup", "AWS::CodeDeploy::DeploymentGroup"),
        change("Modify", "Table", "AWS::DynamoDB::Table"),
    ]
    return review(change_set(changes), {}, sam=sam_template(original))


def test_every_output_shows_the_group_as_one_row():
    result = release_review()
    lines = render_plain(result).splitlines()
    assert len(lines) == 2 + 2  # the verdict, the change set, the function's row, the table's
    assert lines[2].startswith("  Modify OrdersApiFunction (+4 generated) AWS::Serverless::Function replacement=False risk=-")
    assert "causes: function: Modify (Code); Version1a2b3c4d5e: Add; Version97cb03babf: Remove; Aliaslive: Modify (FunctionVersion)" in lines[2]
    markdown = render_markdown(result)
    assert "| Modify | `OrdersApiFunction (+4 generated)` | OrdersApiFunction-phys | AWS::Serverless::Function |" in markdown
    assert markdown.count("\n| Modify |") == 2
    document = to_json(result)
    assert len(document["changes"]) == 6  # every change stays in JSON, with its own keys
    assert document["items"][0] == {
        "logical_id": "OrdersApiFunction", "resource_type": "AWS::Serverless::Function",
        "changes": ["OrdersApiFunction", "OrdersApiFunctionVersion1a2b3c4d5e", "OrdersApiFunctionVersion97cb03babf",
                    "OrdersApiFunctionAliaslive", "OrdersApiFunctionDeploymentGroup"],
    }
    assert json.loads(json.dumps(document))["items"][1]["changes"] == ["Table"]


def test_a_risk_of_a_generated_resource_shows_on_its_group_and_by_name_in_why():
    original = {"Resources": {"Fn": {"Type": "AWS::Serverless::Function"}}}
    role = ResourceChange("Modify", "FnRole", "r", "AWS::IAM::Role", "False", (), "", "",
                          json.dumps({"Properties": {"AssumeRolePolicyDocument": {"Statement": []}}}),
                          json.dumps({"Properties": {"AssumeRolePolicyDocument": {"Statement": [
                              {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}}}))
    result = review(change_set([change("Modify", "Fn", "AWS::Lambda::Function"), role]), {}, sam=sam_template(original))
    lines = render_plain(result).splitlines()
    assert "risk=permission, public-access, permission-broadening" in lines[2]
    assert lines[3].strip() == "Role: widens AssumeRolePolicyDocument statement 1: actions sts:AssumeRole; principals *"
    assert "- **public-access** `FnRole`:" in render_markdown(result)


def test_load_review_reads_the_processed_template_of_a_sam_stack_and_groups_by_the_original():
    """botocore's Stubber (moto runs no SAM transform): a template with a Transform is read
    again at stage Processed; one without is read once."""
    from stubbed_aws import PROD_CHANGE_SET, PROD_CHANGE_SET_ID, PROD_STACK, PROD_STACK_ID, StubbedAccount, change_set_page, resource_change

    from pipekit.aws.cloudformation import CloudFormation
    from pipekit.release.changesets import load_review

    original = "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn: {Type: AWS::Serverless::Function}\n"
    processed = {"Resources": {"Fn": {"Type": "AWS::Lambda::Function"},
                               "FnRole": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Statement": []}}}}}
    account = StubbedAccount("prod")
    stub = account.stub("cloudformation")
    stub.add_response("describe_change_set", change_set_page([
        resource_change("Modify", "Fn", "AWS::Lambda::Function", "False", "fn"),
        resource_change("Modify", "FnRole", "AWS::IAM::Role", "False", "fn-role"),
    ]), {"StackName": PROD_STACK, "ChangeSetName": PROD_CHANGE_SET, "IncludePropertyValues": True})
    for change_set in ({}, {"ChangeSetName": PROD_CHANGE_SET_ID}):
        stub.add_response("get_template", {"TemplateBody": original}, {"StackName": PROD_STACK_ID, "TemplateStage": "Original", **change_set})
        stub.add_response("get_template", {"TemplateBody": json.dumps(processed)}, {"StackName": PROD_STACK_ID, "TemplateStage": "Processed", **change_set})
    result = load_review(CloudFormation(account.client("cloudformation")), PROD_STACK, PROD_CHANGE_SET)
    stub.assert_no_pending_responses()
    [item] = items(result)
    assert (item.logical_id, [c.change.logical_id for c in item.members]) == ("Fn", ["FnRole"])
    # the role's documents came from the processed template: compared, and found unchanged
    assert result.changes[1].access.source == "template" and not result.changes[1].access.documents
