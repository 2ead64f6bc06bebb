"""A service stack stranded by a failed first create (ROLLBACK_COMPLETE) and the way out
that needs no admin rights: `pipekit rollback` deletes it (moto in server mode), and the
responders policy in the target account grants what that takes, on the service stacks only."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from conftest import example_data, write_config
from pipekit.cli import main
from pipekit.project import cfn_yaml
from pipekit.project.render import render_all

DEV = "222222222222"


@pytest.fixture
def project(tmp_path, moto_aws):
    root = tmp_path / "orders"
    write_config(root, example_data())
    return root


def stranded_stack(moto_aws) -> str:
    """orders-svc-dev as CloudFormation leaves a failed first create. moto fails the create
    synchronously and never rolls it back, so the state is set as CloudFormation would."""
    from moto.cloudformation.models import cloudformation_backends

    cf = moto_aws.client(DEV, "cloudformation")
    stack_id = cf.create_stack(StackName="orders-svc-dev", TemplateBody="Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n")["StackId"]
    cloudformation_backends[DEV]["eu-west-1"].stacks[stack_id].status = "ROLLBACK_COMPLETE"
    assert cf.describe_stacks(StackName="orders-svc-dev")["Stacks"][0]["StackStatus"] == "ROLLBACK_COMPLETE"
    return stack_id


def test_rollback_deletes_a_stack_stranded_by_a_failed_first_create(project, moto_aws):
    stack_id = stranded_stack(moto_aws)
    config = ["--config", str(project / "pipekit.yaml")]
    dry = CliRunner().invoke(main, [*config, "rollback", "--env", "dev", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Rollback plan for dev: delete failed stack\n  1. cloudformation:DeleteStack on orders-svc-dev in dev\n" in dry.output
    result = CliRunner().invoke(main, [*config, "rollback", "--env", "dev", "--yes"])
    assert result.exit_code == 0, result.output
    cf = moto_aws.client(DEV, "cloudformation")
    assert cf.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"
    assert not [s for s in cf.describe_stacks()["Stacks"] if s["StackName"] == "orders-svc-dev"]


def test_the_responders_policy_grants_the_rollback_calls_on_the_service_stacks_only(example_config):
    template = cfn_yaml.loads(render_all(example_config)["infra/target-account.yaml"])
    policy = template["Resources"]["RespondersPolicy"]["Properties"]
    assert policy["ManagedPolicyName"] == "orders-responders"
    statements = {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}
    stacks = {"Fn::Sub": "arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/orders-svc-*/*"}
    assert statements["DeleteFailedServiceStacks"] == {
        "Sid": "DeleteFailedServiceStacks", "Effect": "Allow", "Action": "cloudformation:DeleteStack", "Resource": stacks,
    }
    assert statements["RecoverServiceStacks"]["Resource"] == statements["ReadServiceStacks"]["Resource"] == stacks
    assert statements["StopTrafficShifts"]["Resource"] == "*"  # StopDeployment takes no resource type
    actions = {a for s in statements.values() for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert not any(a.endswith("*") or a.startswith("iam:") for a in actions)
    assert "cloudformation:UpdateStack" not in actions and "cloudformation:ExecuteChangeSet" not in actions


# Calls to these services go to the environment's account; codepipeline and sts go to the
# build account, which status reads only when it can (recovery/observe.py).
TARGET_ACCOUNT_SERVICES = {"cloudformation", "cloudwatch", "codedeploy", "lambda"}


def _resources(service: str, params: dict) -> list[str]:
    """The ARNs IAM authorizes a recorded call on (the Service Authorization Reference's
    resource types of these reads and recoveries)."""
    prefix = f"arn:aws:{service}:eu-west-1:{DEV}"
    if service == "cloudformation":
        name = params["StackName"]
        return [name if name.startswith("arn:") else f"{prefix}:stack/{name}/0a1b2c3d"]
    if service == "cloudwatch" and params.get("AlarmNames"):
        return [f"{prefix}:alarm:{name}" for name in params["AlarmNames"]]
    if service == "lambda":
        return [f"{prefix}:function:{params['FunctionName']}"]
    if service == "codedeploy" and "deploymentGroupName" in params:
        return [f"{prefix}:deploymentgroup:{params['applicationName']}/{params['deploymentGroupName']}"]
    return ["*"]


def test_what_status_and_rollback_call_in_the_environment_is_what_the_responders_policy_allows(project, moto_aws, monkeypatch):
    """Each call `status` and `rollback` make in the target account, recorded as they run
    (moto in server mode), evaluated with the preflight's IAM evaluator against the
    rendered responders policy: a new call in recovery/ without its grant fails here."""
    import botocore.client
    from cfnlint.decode.cfn_yaml import loads

    from conftest import config_from
    from pipekit.checks.permissions import evaluate as ev
    from pipekit.checks.permissions.stacks import load

    calls: list[tuple[str, str, dict]] = []
    original = botocore.client.BaseClient._make_api_call

    def record(client, operation, params):
        calls.append((client.meta.service_model.service_name, operation, dict(params)))
        return original(client, operation, params)

    stranded_stack(moto_aws)
    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", record)
    config = ["--config", str(project / "pipekit.yaml")]
    for command in (["status", "--env", "dev"], ["rollback", "--env", "dev", "--yes"]):
        result = CliRunner().invoke(main, [*config, *command])
        assert result.exit_code == 0, result.output
    asked = [(f"{service}:{operation}", resource) for service, operation, params in calls if service in TARGET_ACCOUNT_SERVICES
             for resource in _resources(service, params)]
    assert {"cloudformation:DeleteStack", "cloudformation:DescribeStacks", "cloudwatch:DescribeAlarms"} <= {a for a, _ in asked}

    cfg = config_from(example_data())
    files = render_all(cfg)
    registry = load({"infra/target-account.yaml": loads(files["infra/target-account.yaml"])}, cfg).registry
    responders = [policy for arn, (policy, _) in registry.managed.items() if arn == f"arn:aws:iam::{DEV}:policy/orders-responders"]
    responder = ev.Principal(f"arn:aws:iam::{DEV}:role/on-call", DEV)
    denied = [(action, resource) for action, resource in dict.fromkeys(asked)
              if not ev.evaluate(ev.Request(responder, action, resource), responders).allowed]
    assert responders and denied == []
