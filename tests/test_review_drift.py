"""The overwrites-drift risk as pure functions: a change set's changes matched against the
stack's detected drift (and a drift-aware change set's own Drift details); then through
`pipekit changeset show --drift` with the Stubber (moto has no drift)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from drift_stubs import drift_target, resource_drift, stub_detection
from pipekit.aws.cfn_drift import DriftDetection, PropertyDifference, ResourceDrift
from pipekit.aws.cloudformation import ChangeSet, ResourceChange
from pipekit.cli import main
from pipekit.recovery.drift import StackDrift, drifted_resources
from pipekit.release.review import overwrites_drift, review
from stubbed_aws import PROD_CHANGE_SET, PROD_STACK, PROD_STACK_ID, T0, change_set_page, detail, resource_change

DONE = DriftDetection("d-1", "stack-id", "DETECTION_COMPLETE", "DRIFTED", drifted_count=1)
TABLE = ResourceDrift("Table", "orders", "AWS::DynamoDB::Table", "MODIFIED", (
    PropertyDifference("/BillingMode", "PAY_PER_REQUEST", "PROVISIONED", "NOT_EQUAL"),
    PropertyDifference("/PointInTimeRecoverySpecification/PointInTimeRecoveryEnabled", "true", "false", "NOT_EQUAL"),
))
DRIFT = StackDrift("orders-svc-prod", DONE, (TABLE, ResourceDrift("Fn", "fn", "AWS::Lambda::Function", "IN_SYNC")))


def change(action, logical, replacement="False", names=(), recreation="Never", raw_details=()):
    details = tuple({"Target": {"Attribute": "Properties", "Name": n, "RequiresRecreation": recreation}, "Evaluation": "Static"} for n in names)
    return ResourceChange(action, logical, "phys", "AWS::DynamoDB::Table", replacement, details + tuple(raw_details))


def risks(c, drift=DRIFT):
    reviewed = review(ChangeSet("id", "cs", "stack", "stack-id", "CREATE_COMPLETE", "", "AVAILABLE", (c,)), {}, drift=drift)
    return [(r.kind, r.certain) for r in reviewed.changes[0].risks if r.kind == "overwrites-drift"]


CASES = [
    ("sets a drifted property", change("Modify", "Table", names=("BillingMode",)), [("overwrites-drift", True)]),
    ("sets a property whose nested value drifted", change("Modify", "Table", names=("PointInTimeRecoverySpecification",)), [("overwrites-drift", True)]),
    ("sets only properties that did not drift", change("Modify", "Table", names=("StreamSpecification",)), []),
    ("changes a resource that did not drift", change("Modify", "Fn", names=("BillingMode",)), []),
    ("replaces the drifted resource", change("Modify", "Table", "True", ("TableName",), "Always"), [("overwrites-drift", True)]),
    ("may replace the drifted resource", change("Modify", "Table", "Conditional", ("SSESpecification",), "Conditionally"), [("overwrites-drift", False)]),
    ("removes the drifted resource", change("Remove", "Table"), []),
    ("drift-aware change set reverts a live value", change("Modify", "Other", raw_details=(drift_target("BillingMode", "PROVISIONED", "PAY_PER_REQUEST", actual="PROVISIONED", previous="PAY_PER_REQUEST"),)),
     [("overwrites-drift", True)]),
    ("drift-aware change set only resyncs", change("Modify", "Other", raw_details=(drift_target("Tags", "[]", "[]", actual="[]", previous="[1]", change_type="SyncWithActual"),)), []),
]


@pytest.mark.parametrize("case, c, expected", CASES, ids=[c[0] for c in CASES])
def test_overwrites_drift(case, c, expected):
    assert risks(c) == expected


def test_without_drift_detection_no_overwrites_drift():
    assert risks(change("Modify", "Table", names=("BillingMode",)), drift=None) == []


def test_the_why_names_the_live_and_template_values():
    (risk,) = overwrites_drift(change("Modify", "Table", names=("BillingMode",)), drifted_resources(DRIFT)["Table"])
    assert risk.why == "sets BillingMode, which drifted: /BillingMode live PROVISIONED, template PAY_PER_REQUEST"


def test_fail_on_overwrites_drift_trips_on_it_and_on_worse():
    reviewed = review(ChangeSet("id", "cs", "stack", "stack-id", "CREATE_COMPLETE", "", "AVAILABLE",
                                (change("Modify", "Table", names=("BillingMode",)),)), {}, drift=DRIFT)
    assert reviewed.counts()["overwrites-drift"] == 1
    assert reviewed.trips("overwrites-drift") and reviewed.trips("any")
    assert not reviewed.trips("permission")  # a worse gate does not trip on a lesser risk
    assert reviewed.drift == "drift: 1 of 2 resources drifted (Table)"


# ---------------------------------------------------------------- changeset show --drift


def test_changeset_show_flags_overwrites_drift_and_fail_on_trips(project, aws, monkeypatch):
    monkeypatch.setattr("pipekit.release.polling.Backoff.wait", lambda self: None)
    cf = aws.accounts["prod"].stub("cloudformation")
    changes = [resource_change("Modify", "Table", "AWS::DynamoDB::Table", "False", "orders-svc-prod-orders",
                               [detail("BillingMode", "Never", before="PAY_PER_REQUEST", after="PAY_PER_REQUEST")])]
    cf.add_response("describe_change_set", change_set_page(changes),
                    {"StackName": PROD_STACK, "ChangeSetName": PROD_CHANGE_SET, "IncludePropertyValues": True})
    cf.add_response("get_template", {"TemplateBody": "Resources: {}\n"})
    cf.add_response("get_template", {"TemplateBody": "Resources: {}\n"})
    cf.add_response("describe_stacks", {"Stacks": [{"StackName": PROD_STACK, "StackId": PROD_STACK_ID, "StackStatus": "UPDATE_COMPLETE",
                                                    "CreationTime": T0}]}, {"StackName": PROD_STACK_ID})
    hotfix = resource_drift(PROD_STACK_ID, "Table", "AWS::DynamoDB::Table", "MODIFIED", "orders-svc-prod-orders",
                            [("/BillingMode", "PAY_PER_REQUEST", "PROVISIONED", "NOT_EQUAL")])
    stub_detection(cf, PROD_STACK, PROD_STACK_ID, [hotfix], "d-9", in_progress=1, drift="DRIFTED")
    result = CliRunner().invoke(main, ["--config", str(project / "pipekit.yaml"), "changeset", "show", "--env", "prod",
                                       "--name", PROD_CHANGE_SET, "--format", "json", "--fail-on", "overwrites-drift"])
    assert result.exit_code == 3, result.output
    aws.assert_done()
    report = json.loads(result.stdout)
    assert report["verdict"] == "1 overwrites-drift in 1 changes" and report["drift"] == "drift: 1 of 1 resources drifted (Table)"
    assert report["changes"][0]["risks"] == [{"kind": "overwrites-drift", "certain": True,
                                              "why": "sets BillingMode, which drifted: /BillingMode live PROVISIONED, template PAY_PER_REQUEST"}]


def test_changeset_show_skips_drift_on_a_stack_never_deployed(project, aws):
    cf = aws.accounts["prod"].stub("cloudformation")
    cf.add_response("describe_change_set", change_set_page([resource_change("Add", "Table", "AWS::DynamoDB::Table")]))
    cf.add_response("get_template", {"TemplateBody": "Resources: {}\n"})
    cf.add_response("get_template", {"TemplateBody": "Resources: {}\n"})
    cf.add_response("describe_stacks", {"Stacks": [{"StackName": PROD_STACK, "StackId": PROD_STACK_ID, "StackStatus": "REVIEW_IN_PROGRESS",
                                                    "CreationTime": T0}]})
    result = CliRunner().invoke(main, ["--config", str(project / "pipekit.yaml"), "changeset", "show", "--env", "prod",
                                       "--name", PROD_CHANGE_SET, "--drift"])
    assert result.exit_code == 0, result.output
    aws.assert_done()  # no DetectStackDrift on a CREATE change set
    assert "drift: not checked (the stack is not deployed)" in result.stdout
