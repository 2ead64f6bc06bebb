"""docs/deploying.md's first-time order (build, each target account, build again) against
moto in server mode, and what would make the pipeline's first execution fail.

CodePipeline starts an execution the moment a pipeline is created. moto's CloudFormation
has no CodePipeline model (the fixture's stand-in only names it), so the first execution
is replayed here at the moment CloudFormation creates the pipeline, against moto's IAM,
Lambda and S3 as they are then: every role an action assumes or hands to CloudFormation,
every review role the review function assumes, and the review function's code. IAM's own
check that a trust policy's principals exist (moto does not make it) is replayed at each
CreateRole. `pipekit status`'s pipeline section calls GetPipelineState and
ListPipelineExecutions, which moto lacks: those answer through botocore's Stubber."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import Stubber
from click.testing import CliRunner

from pipekit.cli import main

BUILD, DEV, PROD = "111111111111", "222222222222", "333333333333"
ROLE_ARN = "arn:aws:iam::{account}:role/{name}"


@pytest.fixture
def project(rendered_example):
    return rendered_example


def run(project, *args):
    return CliRunner().invoke(main, ["--config", str(project / "pipekit.yaml"), *args])


def _role_exists(arn: str) -> bool:
    from moto.iam.models import iam_backends

    account, name = arn.split(":")[4], arn.rsplit("/", 1)[1]
    try:
        iam_backends[account]["global"].get_role(name)
    except Exception:  # moto's NoSuchEntity
        return False
    return True


def first_execution_failures(properties: dict, account: str) -> list[str]:
    """Why the execution CodePipeline starts on creation would fail, given what exists
    now: each stage after Source, in order, each action's roles and the review's needs."""
    from moto.awslambda.models import lambda_backends
    from moto.s3.models import s3_backends

    failures = []
    for stage in properties["Stages"][1:]:
        for action in sorted(stage["Actions"], key=lambda a: a.get("RunOrder", 1)):
            where = f"{stage['Name']}/{action['Name']}"
            config = action.get("Configuration") or {}
            for arn in (action.get("RoleArn"), config.get("RoleArn")):
                if arn and not _role_exists(arn):
                    failures.append(f"{where}: role {arn} does not exist")
            if action["ActionTypeId"]["Provider"] == "Lambda":
                job = json.loads(config["UserParameters"])
                if not _role_exists(job["review_role_arn"]):
                    failures.append(f"{where}: review role {job['review_role_arn']} does not exist")
                function = lambda_backends[account]["eu-west-1"].get_function(config["FunctionName"])
                bucket, key = function.code["S3Bucket"], function.code["S3Key"]
                if s3_backends[account]["global"].get_object(bucket, key) is None:
                    failures.append(f"{where}: the review function's code s3://{bucket}/{key} is missing")
    return failures


@pytest.fixture
def replay(monkeypatch):
    """Records, at each pipeline creation, what its first execution would fail on; and at
    each CreateRole, trusted role principals that do not exist (IAM refuses those)."""
    from moto.iam.models import IAMBackend

    from moto_aws import _STAND_INS

    record = {"pipelines": [], "invalid_principals": []}
    model = next(c for c in _STAND_INS if c.cloudformation_type() == "AWS::CodePipeline::Pipeline")
    create = model.create_from_cloudformation_json.__func__

    def create_pipeline(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        record["pipelines"].append(first_execution_failures(cloudformation_json["Properties"], account_id))
        return create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)

    monkeypatch.setattr(model, "create_from_cloudformation_json", classmethod(create_pipeline))
    create_role = IAMBackend.create_role

    def checked_create_role(self, role_name, assume_role_policy_document, *args, **kwargs):
        for statement in json.loads(assume_role_policy_document)["Statement"]:
            principals = (statement.get("Principal") or {}).get("AWS", [])
            for principal in principals if isinstance(principals, list) else [principals]:
                if ":role/" in principal and not _role_exists(principal):
                    record["invalid_principals"].append(f"{role_name} trusts {principal}")
        return create_role(self, role_name, assume_role_policy_document, *args, **kwargs)

    monkeypatch.setattr(IAMBackend, "create_role", checked_create_role)
    return record


def stacks(moto_aws, account):
    cf = moto_aws.client(account, "cloudformation")
    return sorted(s["StackName"] for s in cf.describe_stacks()["Stacks"] if s["StackStatus"] != "DELETE_COMPLETE")


def test_the_documented_order_creates_the_pipeline_when_its_first_execution_can_succeed(project, moto_aws, replay):
    first = run(project, "deploy", "--account", "build", "--yes")
    assert first.exit_code == 0, first.output
    assert stacks(moto_aws, BUILD) == ["orders-artifacts"]  # the pipeline waits
    assert "orders-pipeline: not created yet; it waits for the target accounts" in first.output
    assert "next: deploy orders-deployment-roles: pipekit deploy --account dev" in first.output
    assert "next: deploy orders-deployment-roles: pipekit deploy --account prod" in first.output
    assert replay["pipelines"] == []

    for account in ("dev", "prod"):
        result = run(project, "deploy", "--account", account, "--yes")
        assert result.exit_code == 0, result.output
    assert replay["pipelines"] == []

    last = run(project, "deploy", "--account", "build", "--yes")
    assert last.exit_code == 0, last.output
    assert "orders-artifacts: no changes" in last.output
    assert stacks(moto_aws, BUILD) == ["orders-artifacts", "orders-pipeline"]
    # Created once, and then everything its first execution assumes or runs was there.
    assert replay["pipelines"] == [[]]
    assert replay["invalid_principals"] == []


def test_the_replay_sees_the_failure_of_creating_the_pipeline_first(project, moto_aws, replay, monkeypatch):
    """The replay can fail: with the target accounts' roles absent (the order this
    change replaced), the pipeline's first execution fails at the first environment."""
    from pipekit.release import deploy as core

    monkeypatch.setattr(core, "_waiting_for", lambda plan, deployer, status_of: ([], {}))  # no holding back
    result = run(project, "deploy", "--account", "build", "--yes")
    assert result.exit_code == 0, result.output
    [failures] = replay["pipelines"]
    assert f"Dev/CreateChangeSet: role {ROLE_ARN.format(account=DEV, name='orders-deploy')} does not exist" in failures
    assert f"Prod/ReviewChangeSet: review role {ROLE_ARN.format(account=PROD, name='orders-review')} does not exist" in failures


def test_a_trust_that_names_a_role_not_yet_there_is_caught(project, moto_aws, replay):
    """The target stacks come before the pipeline stack, so their trust policies name
    the build account and narrow to the role with aws:PrincipalArn; naming the role
    itself would be refused by IAM (Invalid principal), which the replay reproduces."""
    target = project / "infra" / "target-account.yaml"
    target.write_text(target.read_text().replace(
        "AWS: arn:aws:iam::111111111111:root", "AWS: arn:aws:iam::111111111111:role/orders-pipeline", 1))
    assert run(project, "deploy", "--account", "build", "--yes").exit_code == 0
    assert run(project, "deploy", "--account", "dev", "--yes").exit_code == 0
    assert replay["invalid_principals"] == ["orders-deploy trusts arn:aws:iam::111111111111:role/orders-pipeline"]


def test_json_reports_the_waiting_pipeline(project, moto_aws):
    result = run(project, "deploy", "--account", "build", "--yes", "--format", "json")
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.output.splitlines()]
    waiting = [e for e in events if e["event"] == "stack_result" and e["stack"] == "orders-pipeline"]
    assert waiting and waiting[0]["result"] == "waiting"
    assert waiting[0]["next_steps"][-1] == "then run pipekit deploy --account build again to create the pipeline"
    assert events[-1]["event"] == "summary" and events[-1]["ok"] is True


def test_an_existing_pipeline_is_updated_without_reading_the_target_accounts(project, moto_aws, monkeypatch):
    for account in ("build", "dev", "prod", "build"):
        assert run(project, "deploy", "--account", account, "--yes").exit_code == 0
    assert "orders-pipeline" in stacks(moto_aws, BUILD)
    moto_aws.client(PROD, "cloudformation").delete_stack(StackName="orders-deployment-roles")
    result = run(project, "deploy", "--account", "build", "--yes")
    assert result.exit_code == 0, result.output
    assert "orders-pipeline: no changes" in result.output


# ---------------------------------------------------------------- pipekit status


def stubbed_codepipeline(monkeypatch) -> Stubber:
    """GetPipelineState and ListPipelineExecutions (moto lacks both) through a Stubber."""
    client = boto3.client("codepipeline", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="y")
    stubber = Stubber(client)
    stubber.activate()
    monkeypatch.setattr("pipekit.aws.codepipeline.CodePipeline.__init__", lambda self, _client: setattr(self, "client", client))
    return stubber


def pipeline_not_found(stubber: Stubber) -> None:
    message = "Account '111111111111' does not have a pipeline with name 'orders'"
    for operation in ("get_pipeline_state", "list_pipeline_executions"):
        stubber.add_client_error(operation, "PipelineNotFoundException", message, 400)


def test_status_lists_what_is_still_to_deploy_in_order(project, moto_aws, monkeypatch):
    assert run(project, "deploy", "--account", "build", "--yes").exit_code == 0
    assert run(project, "deploy", "--account", "dev", "--yes").exit_code == 0
    pipeline_not_found(stubbed_codepipeline(monkeypatch))
    result = run(project, "status")
    assert result.exit_code == 0, result.output
    assert "  still to deploy, in order:\n" \
           "    1. orders-deployment-roles in prod: pipekit deploy --account prod\n" \
           "    2. orders-pipeline in build: pipekit deploy --account build\n" in result.output
    assert "  orders-deployment-roles in dev (222222222222): CREATE_COMPLETE" in result.output

    pipeline_not_found(stubbed_codepipeline(monkeypatch))
    report = json.loads(run(project, "status", "--format", "json").output)
    assert report["setup"]["to_deploy"] == [
        {"account": "prod", "stack": "orders-deployment-roles", "command": "pipekit deploy --account prod"},
        {"account": "build", "stack": "orders-pipeline", "command": "pipekit deploy --account build"},
    ]
    assert [(s["account"], s["stack"], s["in_place"]) for s in report["setup"]["stacks"]] == [
        ("build", "orders-artifacts", True), ("dev", "orders-deployment-roles", True),
        ("prod", "orders-deployment-roles", False), ("build", "orders-pipeline", False),
    ]


def test_status_says_the_setup_is_complete(project, moto_aws, monkeypatch):
    for account in ("build", "dev", "prod", "build"):
        assert run(project, "deploy", "--account", account, "--yes").exit_code == 0
    stubber = stubbed_codepipeline(monkeypatch)
    stubber.add_response("get_pipeline_state", {"pipelineName": "orders", "stageStates": []}, {"name": "orders"})
    stubber.add_response("list_pipeline_executions", {"pipelineExecutionSummaries": []}, {"pipelineName": "orders", "maxResults": 25})
    result = run(project, "status")
    assert result.exit_code == 0, result.output
    assert result.output.endswith("setup: every stack in place\n")
    stubber.assert_no_pending_responses()
