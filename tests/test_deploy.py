"""pipekit deploy against moto in server mode: three accounts reached through assume-role
profiles. Where moto differs from CloudFormation the fixtures work around it (see
moto_aws.py): outputs and exports of change-set stacks, stand-ins for resource types
moto's CloudFormation lacks, and unchanged change sets."""

from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner

from conftest import example_data, write_config
from pipekit.cli import main

BUILD, DEV, PROD = "111111111111", "222222222222", "333333333333"


@pytest.fixture
def project(rendered_example):
    return rendered_example


def deploy(project, *args):
    return CliRunner().invoke(main, ["--config", str(project / "pipekit.yaml"), "deploy", *args])


def stacks(moto_aws, account):
    cf = moto_aws.client(account, "cloudformation")
    return sorted(s["StackName"] for s in cf.describe_stacks()["Stacks"] if s["StackStatus"] != "DELETE_COMPLETE")


def test_each_account_gets_its_stacks_and_nothing_else(project, moto_aws):
    for account in ("build", "dev", "prod", "build"):  # docs/deploying.md's order: the pipeline last
        result = deploy(project, "--account", account, "--yes")
        assert result.exit_code == 0, result.output

    assert stacks(moto_aws, BUILD) == ["orders-artifacts", "orders-pipeline"]
    assert stacks(moto_aws, DEV) == ["orders-deployment-roles"]
    assert stacks(moto_aws, PROD) == ["orders-deployment-roles"]
    for account in (DEV, PROD):
        roles = {r["RoleName"] for r in moto_aws.client(account, "iam").list_roles()["Roles"]}
        assert {"orders-deploy", "orders-cfn-exec"} <= roles
    assert "orders-deploy" not in {r["RoleName"] for r in moto_aws.client(BUILD, "iam").list_roles()["Roles"]}
    buckets = {b["Name"] for b in moto_aws.client(BUILD, "s3").list_buckets()["Buckets"]}
    assert f"orders-artifacts-{BUILD}-eu-west-1" in buckets


def test_target_stack_gets_the_artifact_key_from_the_build_account(project, moto_aws):
    assert deploy(project, "--account", "build", "--yes").exit_code == 0
    assert deploy(project, "--account", "dev", "--yes").exit_code == 0
    key_arn = moto_aws.client(BUILD, "cloudformation").describe_stacks(StackName="orders-artifacts")["Stacks"][0]["Outputs"]
    key_arn = next(o["OutputValue"] for o in key_arn if o["OutputKey"] == "ArtifactKeyArn")
    stack = moto_aws.client(DEV, "cloudformation").describe_stacks(StackName="orders-deployment-roles")["Stacks"][0]
    assert {"ParameterKey": "ArtifactKeyArn", "ParameterValue": key_arn} in stack["Parameters"]
    tags = {t["Key"]: t["Value"] for t in stack["Tags"]}
    assert tags["pipekit:project"] == "orders" and tags["pipekit:environment"] == "dev" and "pipekit:version" in tags


def test_deploying_again_is_no_changes_and_leaves_no_change_set(project, moto_aws):
    for account in ("build", "dev", "prod", "build"):
        assert deploy(project, "--account", account, "--yes").exit_code == 0
    result = deploy(project, "--account", "build", "--yes")
    assert result.exit_code == 0
    assert "orders-artifacts: no changes" in result.output and "orders-pipeline: no changes" in result.output
    cf = moto_aws.client(BUILD, "cloudformation")
    for stack in ("orders-artifacts", "orders-pipeline"):
        # moto still lists executed change sets (CloudFormation does not); no empty one may remain
        left = cf.list_change_sets(StackName=stack)["Summaries"]
        assert left and all(c["ExecutionStatus"] == "EXECUTE_COMPLETE" and c["Status"] == "CREATE_COMPLETE" for c in left)


def test_target_account_before_the_build_account_says_what_to_do_first(project, moto_aws):
    result = deploy(project, "--account", "dev", "--yes")
    assert result.exit_code == 1
    assert "run `pipekit deploy --account build` first" in result.output
    assert stacks(moto_aws, DEV) == []


def test_a_profile_for_the_wrong_account_is_refused_before_any_change(project, moto_aws):
    data = example_data()
    data["accounts"]["dev"]["profile"] = "orders-prod"  # resolves to the prod account
    write_config(project, data)
    result = deploy(project, "--account", "dev", "--yes")
    assert result.exit_code == 2
    assert f"credentials are for account {PROD}" in result.output and f"dev is {DEV}" in result.output
    assert "Traceback" not in result.output
    assert stacks(moto_aws, DEV) == [] and stacks(moto_aws, PROD) == []


def test_an_unknown_profile_is_one_line_exit_2(project, moto_aws):
    data = example_data()
    data["accounts"]["build"]["profile"] = "no-such-profile"
    write_config(project, data)
    result = deploy(project, "--account", "build", "--yes")
    assert result.exit_code == 2
    assert "no-such-profile" in result.output and "Traceback" not in result.output


def test_without_a_terminal_and_without_yes_nothing_happens(project, moto_aws):
    result = deploy(project, "--account", "build")
    assert result.exit_code == 2
    assert "--yes" in result.output
    assert stacks(moto_aws, BUILD) == []


def test_dry_run_prints_the_plan_and_calls_no_aws(project, moto_aws, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    result = deploy(project, "--account", "prod", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "orders-deployment-roles" in result.output and "output ArtifactKeyArn of orders-artifacts (build account)" in result.output


def test_no_execute_leaves_the_change_set_for_review_then_deploys(project, moto_aws):
    result = deploy(project, "--account", "build", "--no-execute")
    assert result.exit_code == 0, result.output
    assert "left for review" in result.output
    cf = moto_aws.client(BUILD, "cloudformation")
    assert cf.describe_stacks(StackName="orders-artifacts")["Stacks"][0]["StackStatus"] == "REVIEW_IN_PROGRESS"
    # A stack left in REVIEW_IN_PROGRESS is created by the next deploy.
    assert deploy(project, "--account", "build", "--yes").exit_code == 0
    assert cf.describe_stacks(StackName="orders-artifacts")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"


def test_plain_output_has_one_line_per_stack_event(project, moto_aws):
    result = deploy(project, "--account", "build", "--yes")
    lines = [line for line in result.output.splitlines() if " AWS::CloudFormation::Stack " in line]
    assert any(line.endswith("orders-artifacts orders-artifacts AWS::CloudFormation::Stack CREATE_COMPLETE") for line in lines)
    assert any("CREATE_IN_PROGRESS  User Initiated" in line for line in lines)
    assert "\x1b[" not in result.output  # no colour codes in CI logs


def test_json_output_is_one_object_per_event_and_a_summary(project, moto_aws):
    result = deploy(project, "--account", "build", "--yes", "--format", "json")
    assert result.exit_code == 0, result.output
    documents = [json.loads(line) for line in result.output.splitlines()]
    kinds = [d["event"] for d in documents]
    assert kinds[0] == "plan" and kinds[-1] == "summary"
    assert "change_set_ready" in kinds and "stack_event" in kinds
    ready = next(d for d in documents if d["event"] == "change_set_ready")
    # the two bucket policies (permission), and they and the key policy grant access where there was none
    assert ready["stack"] == "orders-artifacts" and ready["verdict"] == "3 permission-broadening, 2 permission in 6 changes"
    summary = documents[-1]
    assert summary["ok"] is True
    assert [s["stack"] for s in summary["stacks"]] == ["orders-artifacts", "orders-pipeline"]
    assert summary["stacks"][0]["outputs"]["ArtifactBucketName"] == f"orders-artifacts-{BUILD}-eu-west-1"


def test_any_template_as_an_isolated_stack(project, moto_aws, tmp_path):
    template = tmp_path / "queue.yaml"
    template.write_text(yaml.safe_dump({
        "Parameters": {"QueueName": {"Type": "String"}},
        "Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Ref": "QueueName"}}}},
    }))
    result = deploy(project, "--account", "dev", "--template", str(template), "--stack-name", "orders-jane", "-p", "QueueName=jane", "--yes")
    assert result.exit_code == 0, result.output
    assert stacks(moto_aws, DEV) == ["orders-jane"]
    assert moto_aws.client(DEV, "sqs").get_queue_url(QueueName="jane")["QueueUrl"]


def test_a_failing_resource_exits_1_with_its_reason(project, moto_aws, tmp_path):
    # moto fails resources synchronously, inside ExecuteChangeSet, instead of through
    # stack events; the events path is covered with the Stubber in test_deploy_core.py.
    template = tmp_path / "bad.yaml"
    template.write_text(yaml.safe_dump({"Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "not valid!"}}}}))
    result = deploy(project, "--account", "dev", "--template", str(template), "--stack-name", "orders-bad", "--yes")
    assert result.exit_code == 1
    assert "Topic names must be made up of" in result.output
    assert "Traceback" not in result.output


def test_local_code_must_be_packaged_first(project, moto_aws):
    result = deploy(project, "--account", "dev", "--template", str(project / "service/template.yaml"), "--stack-name", "orders-svc-jane", "--yes")
    assert result.exit_code == 2
    assert "must be packaged first" in result.output


def test_an_account_reached_through_role_arn_from_the_build_profile(project, moto_aws):
    data = example_data()
    data["accounts"]["dev"] = {"id": DEV, "role_arn": f"arn:aws:iam::{DEV}:role/admin"}
    write_config(project, data)
    assert deploy(project, "--account", "build", "--yes").exit_code == 0
    result = deploy(project, "--account", "dev", "--yes")
    assert result.exit_code == 0, result.output
    assert stacks(moto_aws, DEV) == ["orders-deployment-roles"]


def test_profile_override_applies_to_the_deployed_account_only(project, moto_aws):
    data = example_data()
    data["accounts"]["dev"]["profile"] = "no-such-profile"
    write_config(project, data)
    result = deploy(project, "--account", "build", "--yes")
    assert result.exit_code == 0, result.output
    # dev cannot be read with its broken profile: the pipeline is held back, saying why
    assert "next: orders-pipeline is not created yet: could not read orders-deployment-roles in dev: " in result.output
    assert "no-such-profile" in result.output
    # --profile reaches dev; the build account's outputs are still read with its own profile
    result = deploy(project, "--account", "dev", "--profile", "orders-dev", "--yes")
    assert result.exit_code == 0, result.output


def test_missing_credentials_are_one_line_exit_2(project, moto_aws, tmp_path, monkeypatch):
    empty = tmp_path / "no-credentials"
    empty.write_text("")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))  # the base profile has no keys now
    result = deploy(project, "--account", "build", "--yes")
    assert result.exit_code == 2, result.output
    last = result.output.strip().splitlines()[-1]
    assert last == 'error: account build (profile orders-build): the AWS configuration cannot give credentials: The source profile "base" must have credentials.'
    assert stacks(moto_aws, BUILD) == []
