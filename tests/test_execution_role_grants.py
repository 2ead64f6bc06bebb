"""The execution role's grants that only tagging or AWS's documentation prove, and the
ones taken out because nothing the service stack does needs them: each proven grant,
taken out, is a denial; each removed one, put back, is a grant nothing asks for
(PK-PERM-UNUSED); and the property that would need it brings the ask back."""

from __future__ import annotations

import copy

import pytest

from cfnlint.decode.cfn_yaml import loads

from pipekit.checks.permissions.model import DENIED, UNUSED
from pipekit.checks.permissions.preflight import preflight
from pipekit.checks.permissions.required import asked
from pipekit.project import names
from pipekit.project.render import render_all
from test_permissions_preflight import EXEC, example, line_of, new_findings, statement, unasked_execution_grants  # noqa: F401

FUNCTIONS = "arn:aws:lambda:eu-west-1:222222222222:function:"
ROLES = "arn:aws:iam::222222222222:role/orders-svc-dev-"


def _without(sid, action):
    def drop(templates):
        found = statement(templates, "ExecutionPolicy", sid)
        found["Action"] = [a for a in ([found["Action"]] if isinstance(found["Action"], str) else found["Action"]) if a != action]
    return drop


@pytest.mark.parametrize("sid, action, on, why", [
    # CloudFormation tags what it creates with the caller's permissions: the schema's tagging.permissions
    ("Functions", "lambda:ListTags", FUNCTIONS, "for its tags"),
    ("ServiceRolesLifecycle", "iam:ListRoleTags", ROLES, "for its tags"),
    # API Gateway's log delivery for the HTTP API's access logs (documented, see conditional.DOCUMENTED)
    *[("ApiAccessLogDelivery", action, "*", "access logging") for action in (
        "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
        "logs:ListLogDeliveries", "logs:PutResourcePolicy")],
])
def test_a_proven_grant_taken_out_is_denied(example, sid, action, on, why):
    found = [f for f in new_findings(example, _without(sid, action)) if f.principal == EXEC]
    assert found and {(f.rule, f.action, f.file) for f in found} == {(DENIED, action, names.TARGET_ACCOUNT_TEMPLATE)}
    assert all(f.resource.startswith(on) and why in f.message for f in found)


@pytest.mark.parametrize("sid, action", [
    ("Functions", "lambda:PutFunctionConcurrency"),
    ("Functions", "lambda:DeleteFunctionConcurrency"),
    ("TrafficShifting", "codedeploy:RegisterApplicationRevision"),
    ("Tables", "dynamodb:UpdateTimeToLive"),
    ("ReadFunctionCode", "s3:GetObjectVersion"),
])
def test_a_removed_grant_put_back_is_unused(example, sid, action):
    """validate reports it on the execution policy's line (PK-PERM-UNUSED)."""
    cfg, files, templates, _ = example

    def put_back(changed):
        found = statement(changed, "ExecutionPolicy", sid)
        found["Action"] = [*([found["Action"]] if isinstance(found["Action"], str) else found["Action"]), action]

    changed = {**templates, names.TARGET_ACCOUNT_TEMPLATE: copy.deepcopy(templates[names.TARGET_ACCOUNT_TEMPLATE])}
    put_back(changed)
    assert unasked_execution_grants(cfg, changed) == {action}
    found = new_findings(example, put_back)
    assert [(f.rule, f.action, f.file, f.line) for f in found] == [
        (UNUSED, action, names.TARGET_ACCOUNT_TEMPLATE, line_of(files, names.TARGET_ACCOUNT_TEMPLATE, "ExecutionPolicy"))]
    assert "nothing in the service stack asks of the execution role" in found[0].message


def test_no_variant_grants_the_execution_role_what_nothing_asks(variant):
    """A service without a table: its key's ListAliases and RevokeGrant (the table's handler) are not granted."""
    _, cfg = variant
    files = render_all(cfg)
    templates = {rel: loads(files[rel]) for rel in names.CLOUDFORMATION_TEMPLATES}
    assert [f.action for f in preflight(templates, cfg) if f.rule == UNUSED] == []
    granted = str(templates[names.TARGET_ACCOUNT_TEMPLATE]["Resources"]["ExecutionPolicy"]["Properties"]["PolicyDocument"])
    assert ("kms:ListAliases" in granted) == ("kms:RevokeGrant" in granted) == bool(cfg.service.table)


def _set(logical_id, key, value):
    def change(templates):
        templates[names.SERVICE_TEMPLATE]["Resources"][logical_id]["Properties"][key] = value
    return change


@pytest.mark.parametrize("change, actions", [
    (_set("OrdersApiFunction", "ReservedConcurrentExecutions", 5), {"lambda:PutFunctionConcurrency", "lambda:DeleteFunctionConcurrency"}),
    (_set("Table", "TimeToLiveSpecification", {"AttributeName": "expires", "Enabled": True}), {"dynamodb:UpdateTimeToLive"}),
])
def test_the_property_that_needs_a_removed_grant_asks_for_it(example, change, actions):
    """Taken out because pipekit renders no property that needs it: a template that sets
    the property is told to grant it."""
    found = [f for f in new_findings(example, change) if f.principal == EXEC]
    assert {f.action for f in found} == actions and {f.rule for f in found} == {DENIED}


ROLE = {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}}}
STAGE = {"Type": "AWS::ApiGatewayV2::Stage", "Properties": {"ApiId": "abc", "StageName": "$default"}}


def _actions(kind, resource, stack_tagged=False):
    return {a.action for a in asked("eu-west-1", kind, resource, stack_tagged=stack_tagged)}


def test_tagging_is_asked_only_of_a_resource_that_carries_tags():
    """IAM roles get no CloudFormation system tags: a role is tagged by its own Tags or
    the stack's; a function always carries CloudFormation's."""
    assert "iam:ListRoleTags" not in _actions("AWS::IAM::Role", ROLE)
    assert "iam:ListRoleTags" in _actions("AWS::IAM::Role", ROLE, stack_tagged=True)
    tagged = {**ROLE, "Properties": {**ROLE["Properties"], "Tags": [{"Key": "k", "Value": "v"}]}}
    assert "iam:ListRoleTags" in _actions("AWS::IAM::Role", tagged)
    assert "lambda:ListTags" in _actions("AWS::Lambda::Function", {"Type": "AWS::Lambda::Function", "Properties": {}})


def test_log_delivery_is_asked_only_of_a_stage_with_access_logs():
    logged = {**STAGE, "Properties": {**STAGE["Properties"], "AccessLogSettings": {"DestinationArn": "arn", "Format": "$context.requestId"}}}
    assert "logs:CreateLogDelivery" not in _actions("AWS::ApiGatewayV2::Stage", STAGE)
    assert {"logs:CreateLogDelivery", "logs:PutResourcePolicy", "logs:DeleteLogDelivery"} <= _actions("AWS::ApiGatewayV2::Stage", logged)
