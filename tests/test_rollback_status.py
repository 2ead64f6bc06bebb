"""pipekit rollback and pipekit status end to end, with the botocore Stubber (moto has no
CodeDeploy stop, pipeline state or RollbackStage): each remedy's plan and its
application, --dry-run making no changes, and status's JSON (golden)."""

from __future__ import annotations

import json
from datetime import timedelta

from botocore.stub import ANY
from click.testing import CliRunner

from conftest import assert_golden
from pipekit.cli import main
from pipekit.errors import PipekitError
from stubbed_aws import PROD_STACK, PROD_STACK_ID, T0

FUNCTION = "orders-svc-prod-OrdersApiFunction-AbC"
APP = "orders-svc-prod-ServerlessDeploymentApplication-1Q2W"
GROUP = "orders-svc-prod-OrdersApiFunctionDeploymentGroup-3E4R"


def stack(status):
    return {"Stacks": [{"StackName": PROD_STACK, "StackId": PROD_STACK_ID, "StackStatus": status, "CreationTime": T0,
                        "LastUpdatedTime": T0 + timedelta(hours=1)}]}


RESOURCES = {"StackResources": [
    {"LogicalResourceId": "OrdersApiFunction", "PhysicalResourceId": FUNCTION, "ResourceType": "AWS::Lambda::Function",
     "ResourceStatus": "UPDATE_COMPLETE", "Timestamp": T0},
    {"LogicalResourceId": "OrdersApiPreTrafficHook", "PhysicalResourceId": "CodeDeployHook_orders-svc-prod-1-pre",
     "ResourceType": "AWS::Lambda::Function", "ResourceStatus": "UPDATE_COMPLETE", "Timestamp": T0},
    {"LogicalResourceId": "ServerlessDeploymentApplication", "PhysicalResourceId": APP, "ResourceType": "AWS::CodeDeploy::Application",
     "ResourceStatus": "CREATE_COMPLETE", "Timestamp": T0},
    {"LogicalResourceId": "OrdersApiFunctionDeploymentGroup", "PhysicalResourceId": GROUP, "ResourceType": "AWS::CodeDeploy::DeploymentGroup",
     "ResourceStatus": "CREATE_COMPLETE", "Timestamp": T0},
]}


def deployment(status, succeeded=0):
    return {"deploymentInfo": {"deploymentId": "d-ABCDEF123", "applicationName": APP, "deploymentGroupName": GROUP, "status": status,
                               "createTime": T0, "deploymentOverview": {"Pending": 1 - succeeded, "InProgress": 0, "Succeeded": succeeded,
                                                                        "Failed": 0, "Skipped": 0, "Ready": 0}}}


def executions():
    def summary(n, status, minutes, kind="STANDARD"):
        return {"pipelineExecutionId": f"exec-{n}", "status": status, "startTime": T0 + timedelta(minutes=minutes), "executionType": kind,
                "sourceRevisions": [{"actionName": "Source", "revisionId": f"{n}" * 40, "revisionSummary": f"commit {n}"}],
                "trigger": {"triggerType": "Webhook"}}
    return {"pipelineExecutionSummaries": [summary(3, "Succeeded", 30), summary(2, "Succeeded", 20), summary(1, "Succeeded", 10)]}


PIPELINE = {"pipeline": {"name": "orders", "roleArn": "arn:aws:iam::111111111111:role/orders-pipeline", "version": 4, "pipelineType": "V2",
                         "artifactStore": {"type": "S3", "location": "bucket"}, "stages": []},
            "metadata": {"pipelineArn": "arn:aws:codepipeline:eu-west-1:111111111111:orders"}}
STATE = {"pipelineName": "orders", "stageStates": [
    {"stageName": "Build", "latestExecution": {"pipelineExecutionId": "exec-3", "status": "Succeeded"}, "actionStates": []},
    {"stageName": "Dev", "latestExecution": {"pipelineExecutionId": "exec-3", "status": "Succeeded"}, "actionStates": []},
    {"stageName": "Prod", "latestExecution": {"pipelineExecutionId": "exec-3", "status": "InProgress"},
     "actionStates": [{"actionName": "Approve", "latestExecution": {"status": "InProgress", "token": "tok-1", "lastStatusChange": T0}}]},
]}


def stub_observation(aws, stack_status="UPDATE_COMPLETE", active=False):
    prod, build = aws.accounts["prod"], aws.accounts["build"]
    prod.stub("cloudformation").add_response("describe_stacks", stack(stack_status), {"StackName": PROD_STACK})
    prod.stub("cloudformation").add_response("describe_stack_resources", RESOURCES, {"StackName": PROD_STACK})
    prod.stub("codedeploy").add_response("list_deployments", {"deployments": ["d-ABCDEF123"] if active else []},
                                         {"applicationName": APP, "deploymentGroupName": GROUP, "includeOnlyStatuses": ANY})
    if active:
        prod.stub("codedeploy").add_response("get_deployment", deployment("InProgress"), {"deploymentId": "d-ABCDEF123"})
    routing = {"RoutingConfig": {"AdditionalVersionWeights": {"8": 0.1}}} if active else {}
    prod.stub("lambda").add_response("get_alias", {"Name": "live", "FunctionVersion": "7", "AliasArn": f"arn:aws:lambda:eu-west-1:333333333333:function:{FUNCTION}:live", **routing},
                                     {"FunctionName": FUNCTION, "Name": "live"})
    pipeline = build.stub("codepipeline")
    pipeline.add_response("get_pipeline", PIPELINE, {"name": "orders"})
    pipeline.add_response("get_pipeline_state", STATE, {"name": "orders"})
    pipeline.add_response("list_pipeline_executions", executions(), {"pipelineName": "orders", "maxResults": 50})
    for n in (3, 2, 1):
        pipeline.add_response("get_pipeline_execution", {"pipelineExecution": {"pipelineName": "orders", "pipelineVersion": 4,
                                                                               "pipelineExecutionId": f"exec-{n}", "status": "Succeeded"}},
                              {"pipelineName": "orders", "pipelineExecutionId": f"exec-{n}"})


def run(project, *args):
    return CliRunner().invoke(main, ["--config", str(project / "pipekit.yaml"), *args])


def test_dry_run_shows_the_plan_and_changes_nothing(project, aws):
    stub_observation(aws)
    result = run(project, "rollback", "--env", "prod", "--dry-run")
    assert result.exit_code == 0, result.output
    aws.assert_done()  # only the reads above were made: a write would have failed the Stubber
    assert "Rollback plan for prod: rollback stage" in result.output
    assert "codepipeline:RollbackStage on orders/Prod in build" in result.output
    assert "exec-2" in result.output and "commit 2" in result.output
    assert "Dry run: nothing was changed." in result.output


def stub_stage_rollback(aws):
    """A stable prod: the stage is rolled back to exec-2, and followed until it succeeded."""
    stub_observation(aws)
    pipeline = aws.accounts["build"].stub("codepipeline")
    pipeline.add_response("rollback_stage", {"pipelineExecutionId": "exec-4"},
                          {"pipelineName": "orders", "stageName": "Prod", "targetPipelineExecutionId": "exec-2"})
    for status in ("InProgress", "Succeeded"):
        pipeline.add_response("get_pipeline_execution", {"pipelineExecution": {"pipelineExecutionId": "exec-4", "status": status}},
                              {"pipelineName": "orders", "pipelineExecutionId": "exec-4"})


def test_stage_rollback_is_applied_and_followed(project, aws):
    stub_stage_rollback(aws)
    result = run(project, "rollback", "--env", "prod", "--yes", "--format", "json")
    assert result.exit_code == 0, result.output
    aws.assert_done()
    documents = [json.loads(line) for line in result.output.splitlines()]
    assert documents[0]["remedy"] == "rollback_stage"
    assert documents[-1] == {"event": "summary", "ok": True, "remedy": "rollback_stage", "results": ["rollback execution exec-4: Succeeded"]}


def stub_stop(aws):
    """A traffic shift in progress in prod: stopped with auto-rollback, followed until Stopped."""
    stub_observation(aws, "UPDATE_IN_PROGRESS", active=True)
    codedeploy = aws.accounts["prod"].stub("codedeploy")
    codedeploy.add_response("stop_deployment", {"status": "Pending", "statusMessage": "Stopping"},
                            {"deploymentId": "d-ABCDEF123", "autoRollbackEnabled": True})
    codedeploy.add_response("get_deployment", deployment("Stopped"), {"deploymentId": "d-ABCDEF123"})


def test_traffic_shift_is_stopped(project, aws):
    stub_stop(aws)
    result = run(project, "rollback", "--env", "prod", "--yes")
    assert result.exit_code == 0, result.output
    aws.assert_done()
    assert "stop traffic shift" in result.output
    assert f"{FUNCTION}:live -> v7 90%, v8 10%" in result.output
    assert "deployment d-ABCDEF123: Stopped" in result.output and "Rolled back." in result.output


def stub_stack_remedy(aws, operation, status="UPDATE_IN_PROGRESS"):
    """A stack remedy (cancel_update_stack, ...) on prod's stack, followed until it rolled back."""
    stub_observation(aws, status)
    cf = aws.accounts["prod"].stub("cloudformation")
    event = {"StackId": PROD_STACK_ID, "StackName": PROD_STACK, "LogicalResourceId": PROD_STACK, "ResourceType": "AWS::CloudFormation::Stack"}
    cf.add_response("describe_stack_events", {"StackEvents": [{**event, "EventId": "e1", "Timestamp": T0, "ResourceStatus": status}]})
    cf.add_response(operation, {}, {"StackName": PROD_STACK})
    cf.add_response("describe_stacks", stack("UPDATE_ROLLBACK_COMPLETE"))
    cf.add_response("describe_stack_events", {"StackEvents": [
        {**event, "EventId": "e2", "Timestamp": T0 + timedelta(seconds=5), "ResourceStatus": "UPDATE_ROLLBACK_COMPLETE"},
        {**event, "EventId": "e1", "Timestamp": T0, "ResourceStatus": status}]})


def test_an_update_in_progress_is_cancelled_and_followed(project, aws):
    stub_stack_remedy(aws, "cancel_update_stack")
    result = run(project, "rollback", "--env", "prod", "--yes")
    assert result.exit_code == 0, result.output
    aws.assert_done()
    assert "cloudformation:CancelUpdateStack" in result.output and "stack orders-svc-prod: UPDATE_ROLLBACK_COMPLETE" in result.output


def test_without_a_terminal_rollback_needs_yes_or_dry_run(project, aws):
    result = run(project, "rollback", "--env", "prod")
    assert result.exit_code == 2 and "--dry-run" in result.output and aws.opened == []


def test_nothing_to_roll_back_is_exit_1(project, aws):
    stub_observation(aws)
    result = run(project, "rollback", "--env", "prod", "--dry-run", "--to-execution", "exec-3")
    assert result.exit_code == 1 and "already runs execution exec-3" in result.output


def stub_status_pipeline(aws):
    pipeline = aws.accounts["build"].stub("codepipeline")
    pipeline.add_response("get_pipeline_state", STATE, {"name": "orders"})  # once: stages and approvals come from one read
    pipeline.add_response("list_pipeline_executions", executions(), {"pipelineName": "orders", "maxResults": 25})


def stub_status(aws):
    """Every read of `pipekit status --env prod`, mid traffic shift."""
    prod = aws.accounts["prod"]
    prod.stub("cloudformation").add_response("describe_stacks", stack("UPDATE_IN_PROGRESS"))
    prod.stub("cloudformation").add_response("describe_stack_resources", RESOURCES)
    prod.stub("lambda").add_response("get_alias", {"Name": "live", "FunctionVersion": "7", "RoutingConfig": {"AdditionalVersionWeights": {"8": 0.1}}})
    prod.stub("codedeploy").add_response("list_deployments", {"deployments": ["d-ABCDEF123"]})
    prod.stub("codedeploy").add_response("get_deployment", deployment("InProgress"))
    prod.stub("cloudwatch").add_response("describe_alarms", {"MetricAlarms": [
        {"AlarmName": "orders-svc-prod-OrdersApi-new-version-errors", "StateValue": "OK", "StateReason": "below the threshold",
         "StateUpdatedTimestamp": T0}]})
    stub_status_pipeline(aws)


def test_status_json_assert_golden(project, aws):
    stub_status(aws)
    result = run(project, "status", "--env", "prod", "--format", "json")
    assert result.exit_code == 0, result.output
    aws.assert_done()
    assert_golden("status-prod.json", result.output)
    report = json.loads(result.output)
    env = report["environments"][0]
    assert env["functions"] == [{"function": FUNCTION, "alias": "live", "version": "7", "weights": {"7": 0.9, "8": 0.1}, "shifting": True}]
    assert report["pipeline"]["waiting_approvals"][0]["answer_with"] == "pipekit approve --env prod"
    assert [s["name"] for s in report["pipeline"]["stages"]] == ["Build", "Prod"]
    assert [(a["name"], a["state"]) for a in env["alarms"]] == [("orders-svc-prod-OrdersApi-new-version-errors", "OK")]


def out_of_reach(aws, monkeypatch, name, error):
    """Opening account `name` fails with `error`; the others stay stubbed."""
    original = aws.open_account

    def open_account(accounts, account, overrides=None):
        if account == name:
            raise error
        return original(accounts, account, overrides)

    monkeypatch.setattr("pipekit.aws.sessions.open_account", open_account)


def test_status_shows_what_it_can_when_an_account_is_out_of_reach(project, aws, monkeypatch):
    out_of_reach(aws, monkeypatch, "dev", PipekitError("account dev: the SSO session has expired or is missing; run `aws sso login`"))
    prod = aws.accounts["prod"]
    prod.stub("cloudformation").add_client_error("describe_stacks", "ValidationError", "Stack with id orders-svc-prod does not exist", 400)
    stub_status_pipeline(aws)
    # the setup section (read last): the build account's two stacks in place, prod's roles missing
    build = aws.accounts["build"].stub("cloudformation")
    for name in ("orders-artifacts", "orders-pipeline"):
        build.add_response("describe_stacks", {"Stacks": [{"StackName": name, "StackStatus": "CREATE_COMPLETE", "CreationTime": T0}]},
                           {"StackName": name})
    prod.stub("cloudformation").add_client_error(
        "describe_stacks", "ValidationError", "Stack with id orders-deployment-roles does not exist", 400,
        expected_params={"StackName": "orders-deployment-roles"})
    result = run(project, "status")
    assert result.exit_code == 0, result.output
    aws.assert_done()
    assert "  unavailable: account dev: the SSO session has expired" in result.output
    assert "account: account" not in result.output
    assert "prod (account prod, 333333333333)\n  stack: not deployed\n" in result.output
    assert "waiting for approval: Prod/Approve" in result.output
    # the setup section is as tolerant: dev is unknown, not counted as still to deploy
    assert "  orders-deployment-roles in dev (222222222222): unknown" in result.output
    assert "unavailable: orders-deployment-roles in dev: account dev: the SSO session has expired" in result.output
    assert "  still to deploy, in order:\n    1. orders-deployment-roles in prod: pipekit deploy --account prod\n" in result.output
    assert "in dev: pipekit deploy" not in result.output


def test_live_alias_weights_read_from_moto(moto_aws):
    """moto has Lambda aliases with routing weights: read them through pipekit's wrapper."""
    import io
    import zipfile

    from pipekit.aws.lambda_ import Lambda

    lam = moto_aws.client("333333333333", "lambda")
    iam = moto_aws.client("333333333333", "iam")
    role = iam.create_role(RoleName="fn", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}))["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return 1\n")
    lam.create_function(FunctionName="orders-fn", Runtime="python3.12", Role=role, Handler="index.handler", Code={"ZipFile": code.getvalue()})
    first = lam.publish_version(FunctionName="orders-fn")["Version"]
    lam.update_function_code(FunctionName="orders-fn", ZipFile=code.getvalue())
    second = lam.publish_version(FunctionName="orders-fn")["Version"]
    lam.create_alias(FunctionName="orders-fn", Name="live", FunctionVersion=first, RoutingConfig={"AdditionalVersionWeights": {second: 0.25}})
    alias = Lambda(lam).alias("orders-fn")
    assert alias.version == first and alias.weights == {first: 0.75, second: 0.25} and alias.shifting


def test_missing_permissions_is_one_line_not_a_traceback(project, aws):
    aws.accounts["prod"].stub("cloudformation").add_client_error(
        "describe_stacks", "AccessDenied",
        "User: arn:aws:sts::333333333333:assumed-role/dev/me is not authorized to perform: cloudformation:DescribeStacks", 403)
    result = run(project, "rollback", "--env", "prod", "--dry-run")
    assert result.exit_code == 1
    assert "access denied" in result.output and "cloudformation:DescribeStacks" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


# Rollback with only the environment's account: the build account's pipeline may be out of reach.

def stub_environment_only(aws, stack_status="UPDATE_COMPLETE", active=False):
    """The prod reads of stub_observation; the build account answers that it has no such pipeline."""
    stub_observation(aws, stack_status, active)
    build = aws.accounts["build"]
    build.stubbers.pop("codepipeline").deactivate()
    build.clients.pop("codepipeline")
    build.stub("codepipeline").add_client_error(
        "get_pipeline", "PipelineNotFoundException", "Account '111111111111' does not have a pipeline with name 'orders'", 400)


def test_without_the_pipeline_a_traffic_shift_is_still_stopped(project, aws):
    stub_environment_only(aws, "UPDATE_IN_PROGRESS", active=True)
    result = run(project, "rollback", "--env", "prod", "--dry-run")
    assert result.exit_code == 0, result.output
    aws.assert_done()
    assert "Rollback plan for prod: stop traffic shift" in result.output
    assert ("note: could not read pipeline orders: account build: Account '111111111111' does not have a pipeline "
            "with name 'orders'; the stage rollback is not offered") in result.output


def test_without_build_credentials_a_stuck_stack_is_still_unstuck(project, aws, monkeypatch):
    from pipekit.aws.errors import CredentialsError

    stub_observation(aws, "UPDATE_IN_PROGRESS")
    out_of_reach(aws, monkeypatch, "build", CredentialsError("account build: no AWS credentials found"))
    result = run(project, "rollback", "--env", "prod", "--dry-run", "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["remedy"] == "cancel_update"
    assert document["details"] == ["could not read pipeline orders: account build: no AWS credentials found; the stage rollback is not offered"]


def test_a_stable_stack_without_the_pipeline_says_why_nothing_is_offered(project, aws):
    stub_environment_only(aws)
    result = run(project, "rollback", "--env", "prod", "--dry-run")
    assert result.exit_code == 1
    assert "the stage rollback needs the pipeline, which could not be read: pipeline orders: account build: Account" in result.output
    assert "account prod" not in result.output  # the build account answered, not prod


def test_a_failing_stage_rollback_names_the_build_account(project, aws):
    stub_observation(aws)
    aws.accounts["build"].stub("codepipeline").add_client_error("rollback_stage", "AccessDeniedException", "not authorized", 400)
    result = run(project, "rollback", "--env", "prod", "--yes")
    assert result.exit_code == 1
    assert "error: account build: access denied: not authorized" in result.output


def test_verbose_and_debug_show_what_the_one_line_error_hides(project, aws):
    def denied():
        aws.accounts["prod"].stub("cloudformation").add_client_error(
            "describe_stacks", "AccessDenied", "not authorized to perform: cloudformation:DescribeStacks", 403)

    denied()
    plain = run(project, "rollback", "--env", "prod", "--dry-run")
    denied()
    verbose = CliRunner().invoke(main, ["--config", str(project / "pipekit.yaml"), "--verbose", "rollback", "--env", "prod", "--dry-run"])
    denied()
    debug = CliRunner().invoke(main, ["--config", str(project / "pipekit.yaml"), "--debug", "rollback", "--env", "prod", "--dry-run"])
    line = "error: account prod: access denied: not authorized to perform: cloudformation:DescribeStacks"
    assert plain.output.strip() == line
    assert verbose.exit_code == debug.exit_code == plain.exit_code == 1
    assert verbose.output.splitlines()[:3] == [
        line,
        "caused by botocore.exceptions.ClientError: An error occurred (AccessDenied) when calling the DescribeStacks operation: "
        "not authorized to perform: cloudformation:DescribeStacks",
        "  AWS: code=AccessDenied message=not authorized to perform: cloudformation:DescribeStacks http_status=403 operation=DescribeStacks",
    ]
    assert "Traceback" not in verbose.output
    assert debug.output.count("Traceback (most recent call last):") == 2  # the AWS error's and pipekit's own
    assert "botocore.exceptions.ClientError" in debug.output and "pipekit.aws.errors.AwsError" in debug.output
