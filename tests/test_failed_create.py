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


def _moto_owner(client) -> str:
    """status and rollback --env dev call the build account for its pipeline only."""
    return "111111111111" if client.meta.service_model.service_name == "codepipeline" else DEV


def test_what_status_and_rollback_call_in_the_environment_is_what_the_responders_policy_allows(project, moto_aws, monkeypatch, example_config):
    """Each call `status` and `rollback` make, recorded as they run (moto in server mode),
    evaluated with the preflight's IAM evaluator against the rendered responders policies:
    a new call in recovery/ without its grant fails here. The other remedies, and the
    converse (every grant is called), are in tests/test_responders_policy.py."""
    from pipekit.project import names
    from recorded_calls import Recorder, denied, rendered_people_policy

    stranded_stack(moto_aws)
    recorder = Recorder(monkeypatch, _moto_owner)
    config = ["--config", str(project / "pipekit.yaml")]
    for command in (["status", "--env", "dev"], ["rollback", "--env", "dev", "--yes"]):
        result = CliRunner().invoke(main, [*config, *command])
        assert result.exit_code == 0, result.output
    # sts:AssumeRole is the AWS profiles' own way into each account, not a call of pipekit's.
    asked = [request for request in recorder.requests() if request[1] != "sts:AssumeRole"]
    assert {"cloudformation:DeleteStack", "cloudformation:DescribeStacks", "cloudwatch:DescribeAlarms"} <= {a for _, a, _ in asked}
    policies = rendered_people_policy(names.responders_policy(example_config)).policies
    assert policies[DEV] and denied(asked, lambda account: policies[account]) == []
