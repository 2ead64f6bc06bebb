"""The risk rules as pure functions, with their own table of cases."""

from __future__ import annotations

import json

import pytest

from pipekit.aws.cloudformation import ChangeSet, ResourceChange
from pipekit.release.review import FAIL_ON, assess, replacement, review, template_policies


def change(action, kind, replacement_="", details=(), policy_action="", logical="R"):
    return ResourceChange(action, logical, "phys", kind, replacement_, tuple(details), "", policy_action)


def d(name, recreation="Always", evaluation="Static"):
    return {"Target": {"Attribute": "Properties", "Name": name, "RequiresRecreation": recreation}, "Evaluation": evaluation}


RETAIN = {"R": {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}}

CASES = [
    # (case, change, policies, expected [(kind, certain)])
    ("table replaced", change("Modify", "AWS::DynamoDB::Table", "True", [d("TableName")]), {}, [("data-loss", True)]),
    ("table replaced, UpdateReplacePolicy Retain", change("Modify", "AWS::DynamoDB::Table", "True", [d("TableName")]), RETAIN, []),
    ("table replaced, CloudFormation says it retains", change("Modify", "AWS::DynamoDB::Table", "True", [d("KeySchema")], "ReplaceAndRetain"), {}, []),
    ("table replaced, CloudFormation says it deletes", change("Modify", "AWS::DynamoDB::Table", "True", [d("KeySchema")], "ReplaceAndDelete"), RETAIN, [("data-loss", True)]),
    ("table removed", change("Remove", "AWS::DynamoDB::Table"), {}, [("data-loss", True)]),
    ("table removed, DeletionPolicy Retain", change("Remove", "AWS::DynamoDB::Table"), RETAIN, []),
    ("table conditionally replaced", change("Modify", "AWS::DynamoDB::Table", "Conditional", [d("SSESpecification", "Conditionally")]), {}, [("data-loss", False)]),
    ("replacement hinges on a value known after apply", change("Modify", "AWS::S3::Bucket", "True", [d("BucketName", "Always", "Dynamic")]), {}, [("data-loss", False)]),
    ("table modified in place", change("Modify", "AWS::DynamoDB::Table", "False", [d("BillingMode", "Never")]), {}, []),
    ("table added", change("Add", "AWS::DynamoDB::Table"), {}, []),
    ("log group replaced", change("Modify", "AWS::Logs::LogGroup", "True", [d("LogGroupName")]), {}, [("data-loss", True)]),
    ("queue removed", change("Remove", "AWS::SQS::Queue"), {}, [("data-loss", True)]),
    ("key replaced", change("Modify", "AWS::KMS::Key", "True", [d("KeySpec")]), {}, [("data-loss", True)]),
    ("user pool replaced", change("Modify", "AWS::Cognito::UserPool", "True", [d("UsernameAttributes")]), {}, [("data-loss", True)]),
    ("RDS cluster replaced, Snapshot", change("Modify", "AWS::RDS::DBCluster", "True", [d("Engine")]), {"R": {"UpdateReplacePolicy": "Snapshot"}}, []),
    ("HTTP API replaced", change("Modify", "AWS::ApiGatewayV2::Api", "True", [d("ProtocolType")]), {}, [("outage", True)]),
    ("function replaced", change("Modify", "AWS::Lambda::Function", "True", [d("FunctionName")]), {}, [("outage", True)]),
    ("alias conditionally replaced", change("Modify", "AWS::Lambda::Alias", "Conditional", [d("Name", "Conditionally")]), {}, [("outage", False)]),
    ("function URL removed", change("Remove", "AWS::Lambda::Url"), {}, [("outage", True)]),
    ("new version published", change("Add", "AWS::Lambda::Version"), {}, []),
    ("function code updated", change("Modify", "AWS::Lambda::Function", "False", [d("Code", "Never")]), {}, []),
    ("alarm replaced", change("Modify", "AWS::CloudWatch::Alarm", "True", [d("AlarmName")]), {}, []),
    ("role added", change("Add", "AWS::IAM::Role"), {}, [("permission", True)]),
    ("policy modified", change("Modify", "AWS::IAM::ManagedPolicy", "False", [d("PolicyDocument", "Never")]), {}, [("permission", True)]),
    ("lambda permission removed", change("Remove", "AWS::Lambda::Permission"), {}, [("permission", True)]),
    ("security group ingress added", change("Add", "AWS::EC2::SecurityGroupIngress"), {}, [("permission", True)]),
    ("key policy modified", change("Modify", "AWS::KMS::Key", "False", [d("KeyPolicy", "Never")]), {}, [("permission", True)]),
    ("bucket policy added", change("Add", "AWS::S3::BucketPolicy"), {}, [("permission", True)]),
]


@pytest.mark.parametrize("case, resource_change, policies, expected", CASES, ids=[c[0] for c in CASES])
def test_risk_rules(case, resource_change, policies, expected):
    assert [(r.kind, r.certain) for r in assess(resource_change, policies)] == expected


def test_replacement_certainty():
    assert replacement(change("Modify", "X", "True", [d("A")])) == (True, True)
    assert replacement(change("Modify", "X", "True", [d("A", "Always", "Dynamic")])) == (True, False)
    assert replacement(change("Modify", "X", "Conditional")) == (True, False)
    assert replacement(change("Add", "X")) == (False, False)


def change_set(changes):
    return ChangeSet("id", "cs", "stack", "stack-id", "CREATE_COMPLETE", "", "AVAILABLE", tuple(changes))


def role_added(logical="Role"):
    trust = {"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    after = json.dumps({"Properties": {"AssumeRolePolicyDocument": trust}})
    return ResourceChange("Add", logical, "", "AWS::IAM::Role", "", (), "", "", "", after)


def test_verdict_counts_and_gates():
    result = review(change_set([
        change("Modify", "AWS::DynamoDB::Table", "True", [d("KeySchema")], logical="Table"),
        role_added(),
        change("Add", "AWS::Lambda::Version", logical="Version"),
    ]), {})
    assert result.verdict() == "1 data-loss, 1 permission-broadening, 1 permission in 3 changes"
    assert result.level == "data-loss"
    assert all(result.trips(gate) for gate in ("data-loss", "outage", "permission-broadening", "permission", "any"))
    assert not result.trips("none")
    safe = review(change_set([role_added()]), {})
    assert safe.trips("permission") and safe.trips("permission-broadening")
    assert not safe.trips("outage") and not safe.trips("public-access") and not safe.trips("data-loss")


def test_the_gates_are_the_risks_mildest_first_everywhere():
    from typing import get_args

    from pipekit.cli.options import FAIL_ON as CLI_FAIL_ON
    from pipekit.config.models import Review as ReviewConfig

    from pipekit.cli.options import FAIL_ON as DEPLOY_FAIL_ON

    assert FAIL_ON == ("none", "any", "overwrites-drift", "permission", "permission-broadening", "outage", "public-access", "data-loss")
    assert tuple(CLI_FAIL_ON) == tuple(DEPLOY_FAIL_ON) == FAIL_ON
    assert get_args(ReviewConfig.model_fields["fail_on"].annotation) == FAIL_ON
    assert review(change_set([change("Add", "AWS::Lambda::Version")]), {}).verdict() == "no risk found in 1 changes"


def test_template_policies_later_templates_win():
    current = {"Resources": {"Table": {"Type": "AWS::DynamoDB::Table", "DeletionPolicy": "Retain"}, "Old": {"DeletionPolicy": "Delete"}}}
    proposed = {"Resources": {"Table": {"Type": "AWS::DynamoDB::Table", "UpdateReplacePolicy": "Delete", "DeletionPolicy": "Delete"}}}
    assert template_policies(current, proposed) == {"Table": {"DeletionPolicy": "Delete", "UpdateReplacePolicy": "Delete"}, "Old": {"DeletionPolicy": "Delete"}}
