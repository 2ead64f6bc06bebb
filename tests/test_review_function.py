"""The change-set review as a Lambda function: the pipeline's action that invokes it, and
the handler answering CodePipeline's job.

The handler runs against botocore's Stubber for STS, CloudFormation, S3 and CodePipeline
(moto has no CodePipeline jobs): every request is validated against the real API model,
and each test checks that exactly the expected calls were made."""

from __future__ import annotations

import datetime
import json

import boto3
import botocore.session
import pytest
from botocore.stub import ANY, Stubber
from botocore.validate import ParamValidator

from conftest import VARIANTS, config_from
from drift_stubs import resource_drift, stub_detection
from stubbed_aws import T0
from pipekit.project import cfn_yaml, layout, names
from pipekit.project.render import render_all
from pipekit.review_function import handler as fn

REGION = "eu-west-1"
BUCKET = "orders-artifacts-111111111111-eu-west-1"
KEY_ARN = "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ROLE = "arn:aws:iam::222222222222:role/orders-review"
STACK_ID = "arn:aws:cloudformation:eu-west-1:222222222222:stack/orders-svc-prod/abc"
CHANGE_SET_ID = "arn:aws:cloudformation:eu-west-1:222222222222:changeSet/orders-prod-pipeline/def"
JOB_ID = "11111111-2222-3333-4444-555555555555"


# ---------------------------------------------------------------- the pipeline's action


def _camel(key: str) -> str:
    return key[0].lower() + key[1:]


def _declaration(action: dict) -> dict:
    """A CloudFormation action declaration as CodePipeline's API spells it (with Refs
    resolved to a name), for botocore's ActionDeclaration shape."""
    out = {}
    for key, value in action.items():
        if key == "Configuration":
            value = {k: (v["Ref"] if isinstance(v, dict) and "Ref" in v else v) for k, v in value.items()}
        elif key == "ActionTypeId":
            value = {_camel(k): v for k, v in value.items()}
        elif key in ("InputArtifacts", "OutputArtifacts"):
            value = [{_camel(k): v for k, v in a.items()} for a in value]
        out[_camel(key)] = value
    return out


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_the_review_is_a_lambda_invoke_with_the_job_as_user_parameters(name):
    cfg = config_from(VARIANTS[name]())
    files = render_all(cfg)
    template = cfn_yaml.loads(files["infra/pipeline.yaml"])
    stages = {s["Name"]: s for s in template["Resources"]["Pipeline"]["Properties"]["Stages"]}
    model = botocore.session.get_session().get_service_model("codepipeline")
    gated = [s for s in layout.stages(cfg) if s.approval_action]
    assert not any(p.startswith("reviewspec") for p in files)
    envs = [e.name for e in cfg.environments]
    for stage in layout.stages(cfg):
        actions = {a["Name"]: a for a in stages[stage.name]["Actions"]}
        if not stage.approval_action:
            assert "ReviewChangeSet" not in actions
            continue
        review = actions["ReviewChangeSet"]
        assert review["ActionTypeId"] == {"Category": "Invoke", "Owner": "AWS", "Provider": "Lambda", "Version": "1"}
        # The Lambda invoke action takes FunctionName and UserParameters (CodePipeline's
        # action reference); no artifacts, and its outputs land in the namespace.
        assert set(review["Configuration"]) == {"FunctionName", "UserParameters"}
        assert review["Configuration"]["FunctionName"] == {"Ref": "ReviewFunction"}
        assert "InputArtifacts" not in review and review["Namespace"] == f"{stage.env.title}Review"
        job = json.loads(review["Configuration"]["UserParameters"])
        index = envs.index(stage.env.name)
        # The environment before (if any): its review role and the service's alarms there.
        previous = {} if not index else {
            "previous_review_role_arn": layout.stages(cfg)[index - 1].target.review_role_arn,
            "previous_alarms": names.service_alarms(cfg, names.service_stack(cfg, envs[index - 1])),
        }
        assert previous.get("previous_alarms", True)  # the service has alarms to read
        assert job == {**previous,
            "pipeline": cfg.project,
            "stage": stage.name,
            "environment": stage.env.name,
            "stack": stage.stack,
            "change_set": stage.change_set,
            "review_role_arn": stage.target.review_role_arn,
            "fail_on": stage.env.review.fail_on,
            "execution_id": "#{codepipeline.PipelineExecutionId}",
        }
        assert set(job) == set(fn.PARAMETERS) | (set(fn.PREVIOUS_ALARMS_PARAMETERS) if index else set())
        report = ParamValidator().validate(_declaration(review), model.shape_for("ActionDeclaration"))
        assert not report.has_errors(), report.generate_report()
        limit = model.shape_for("ActionConfigurationValue").metadata["max"]
        assert all(len(str(v)) <= limit for v in review["Configuration"].values())
        # The approval reads what the function returns.
        approval = actions["Approve"]["Configuration"]
        assert approval["CustomData"].startswith(f"#{{{stage.env.title}Review.EXECUTION}}: #{{{stage.env.title}Review.VERDICT}}")
        assert approval["ExternalEntityLink"] == f"#{{{stage.env.title}Review.REPORT_URL}}"
    resources = template["Resources"]
    if not gated:
        assert "ReviewFunction" not in resources and "Parameters" not in template
        return
    function = resources["ReviewFunction"]["Properties"]
    assert function["Handler"] == "pipekit.review_function.handler.handler"
    assert function["Code"] == {"S3Bucket": {"Ref": "ReviewFunctionBucket"}, "S3Key": {"Ref": "ReviewFunctionKey"}}
    assert set(template["Parameters"]) == {"ReviewFunctionBucket", "ReviewFunctionKey"}
    assert not any(r["Type"] == "AWS::CodeBuild::Project" and "review" in str(r["Properties"]["Name"]) for r in resources.values())


def test_the_review_role_grants_what_the_function_does_and_no_more(example_config):
    template = cfn_yaml.loads(render_all(example_config)["infra/pipeline.yaml"])
    resources = template["Resources"]
    role = resources["ReviewRole"]["Properties"]
    assert role["RoleName"] == "orders-review"  # the name the target accounts' review roles trust
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}
    statements = {s["Sid"]: s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]}
    assert statements["AnswerTheJob"]["Resource"] == "*"
    assert sorted(statements["AnswerTheJob"]["Action"]) == ["codepipeline:PutJobFailureResult", "codepipeline:PutJobSuccessResult"]
    # The gated environment's review role (prod), then dev's: the alarm history before prod.
    assert statements["AssumeTargetReviewRoles"]["Resource"] == [
        s.target.review_role_arn for s in layout.stages(example_config) if s.approval_action
    ] + [s.previous_review_role_arn for s in layout.stages(example_config) if s.previous_review_role_arn] == [
        "arn:aws:iam::333333333333:role/orders-review", "arn:aws:iam::222222222222:role/orders-review"]
    assert statements["WriteReports"]["Action"] == "s3:PutObject"
    assert statements["WriteReports"]["Resource"]["Fn::Sub"][0] == "${Bucket}/reviews/*"
    assert statements["Logs"]["Resource"] == {"Fn::GetAtt": ["ReviewLogGroup", "Arn"]}
    assert statements["DetectRollback"]["Resource"] == {"Fn::Sub": "arn:${AWS::Partition}:codepipeline:${AWS::Region}:${AWS::AccountId}:orders"}
    actions = {a for s in statements.values() for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert actions == {
        "logs:CreateLogStream", "logs:PutLogEvents", "s3:PutObject", "kms:Decrypt", "kms:GenerateDataKey", "sts:AssumeRole",
        "codepipeline:PutJobSuccessResult", "codepipeline:PutJobFailureResult",
        "codepipeline:GetPipelineState", "codepipeline:GetPipelineExecution",
        "codepipeline:GetPipeline", "codepipeline:ListPipelineExecutions", "codepipeline:ListActionExecutions",
        "codebuild:BatchGetBuilds", "codebuild:BatchGetReports",
        "access-analyzer:CheckNoNewAccess", "access-analyzer:CheckNoPublicAccess",
    }
    assert statements["CheckPolicies"]["Resource"] == "*"
    assert statements["ReadTheCandidatesBuilds"]["Resource"] == [{"Fn::GetAtt": ["BuildProject", "Arn"]}, {"Fn::GetAtt": ["IntegrationTestProject", "Arn"]}]
    assert statements["ReadTheirTestReports"]["Resource"] == [{"Fn::GetAtt": ["BuildReports", "Arn"]}, {"Fn::GetAtt": ["IntegrationTestReports", "Arn"]}]
    pipeline_role = {s["Sid"]: s for p in resources["PipelineRole"]["Properties"]["Policies"] for s in p["PolicyDocument"]["Statement"]}
    assert pipeline_role["InvokeReview"] == {
        "Sid": "InvokeReview", "Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": {"Fn::GetAtt": ["ReviewFunction", "Arn"]},
    }
    from pipekit.project.render import HOOK_RUNTIME

    assert resources["ReviewFunction"]["Properties"]["Runtime"] == HOOK_RUNTIME


# ---------------------------------------------------------------- the handler


class Capture:
    """Matches any value in a Stubber's expected params and keeps it."""

    def __init__(self) -> None:
        self.value = None

    def __eq__(self, other: object) -> bool:
        self.value = other
        return True


def _client(service: str):
    return boto3.client(service, region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")


class Stubs:
    def __init__(self) -> None:
        services = ("codepipeline", "sts", "s3", "cloudformation", "codebuild", "accessanalyzer", "sns", "cloudwatch")
        (self.codepipeline, self.sts, self.s3, self.cloudformation, self.codebuild, self.accessanalyzer, self.sns,
         self.cloudwatch) = (_client(s) for s in services)
        # Every Publish the handler attempts, stubbed or not (the handler swallows chat errors).
        self.published = []
        self.sns.meta.events.register("provide-client-params.sns.Publish", lambda params, **_: self.published.append(params))
        self.stubbers = {name: Stubber(getattr(self, name)) for name in services}
        self.credentials = []
        for stubber in self.stubbers.values():
            stubber.activate()

    def __getitem__(self, name: str) -> Stubber:
        return self.stubbers[name]

    def clients(self) -> fn.Clients:
        def cloudformation(credentials):
            self.credentials.append(credentials)
            return self.cloudformation

        def cloudwatch(credentials):
            self.credentials.append(credentials)
            return self.cloudwatch

        return fn.Clients(self.codepipeline, self.sts, self.s3, cloudformation, self.codebuild, self.accessanalyzer, self.sns, cloudwatch)

    def done(self) -> None:
        for stubber in self.stubbers.values():
            stubber.assert_no_pending_responses()


def job(**overrides) -> dict:
    params = {
        "pipeline": "orders", "stage": "Prod", "environment": "prod", "stack": "orders-svc-prod", "change_set": "orders-prod-pipeline", "review_role_arn": ROLE,
        "fail_on": "none", "execution_id": "0f0e0d0c-aaaa-bbbb-cccc-123456789012", **overrides,
    }
    return {"CodePipeline.job": {"id": JOB_ID, "accountId": "111111111111", "data": {
        "actionConfiguration": {"configuration": {"FunctionName": "orders-review", "UserParameters": json.dumps(params)}},
        "inputArtifacts": [], "outputArtifacts": [],
    }}}


ENVIRON = {"ARTIFACT_BUCKET": BUCKET, "ARTIFACT_KEY_ARN": KEY_ARN, "AWS_REGION": REGION}
TEMPLATE = "Resources:\n  Table:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      TableName: !Sub ${AWS::StackName}-orders\n"


EXECUTION = "0f0e0d0c-aaaa-bbbb-cccc-123456789012"
ROLLBACK_EXECUTION = "0f0e0d0c-aaaa-bbbb-cccc-000000000002"


def stub_stage(stubs: Stubs, execution_id: str = EXECUTION, execution_type: str = "STANDARD") -> None:
    """GetPipelineState: the Prod stage's latest execution, the one running the review."""
    stubs["codepipeline"].add_response(
        "get_pipeline_state",
        {"pipelineName": "orders", "stageStates": [
            {"stageName": "Dev", "latestExecution": {"pipelineExecutionId": EXECUTION, "status": "Succeeded", "type": "STANDARD"}},
            {"stageName": "Prod", "latestExecution": {"pipelineExecutionId": execution_id, "status": "InProgress", "type": execution_type}},
        ]},
        {"name": "orders"},
    )


def stub_assume_role(stubs: Stubs) -> None:
    stubs["sts"].add_response(
        "assume_role",
        {"Credentials": {"AccessKeyId": "ASIAREVIEWREVIEW0001", "SecretAccessKey": "secret", "SessionToken": "token",
                         "Expiration": datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)}},
        {"RoleArn": ROLE, "RoleSessionName": "pipekit-review-prod", "DurationSeconds": 900},
    )


def stub_change_set(stubs: Stubs, changes: list[dict], drifts: tuple = ()) -> None:
    stubs["cloudformation"].add_response(
        "describe_change_set",
        {"ChangeSetName": "orders-prod-pipeline", "ChangeSetId": CHANGE_SET_ID, "StackId": STACK_ID, "StackName": "orders-svc-prod",
         "Status": "CREATE_COMPLETE", "ExecutionStatus": "AVAILABLE", "Changes": changes},
        {"StackName": "orders-svc-prod", "ChangeSetName": "orders-prod-pipeline", "IncludePropertyValues": True},
    )
    stubs["cloudformation"].add_response("get_template", {"TemplateBody": TEMPLATE}, {"StackName": STACK_ID, "TemplateStage": "Original"})
    stubs["cloudformation"].add_response(
        "get_template", {"TemplateBody": TEMPLATE}, {"StackName": STACK_ID, "TemplateStage": "Original", "ChangeSetName": CHANGE_SET_ID},
    )
    # The review detects the stack's drift (drift_stubs.py: shapes from the API reference).
    stubs["cloudformation"].add_response("describe_stacks", {"Stacks": [
        {"StackName": "orders-svc-prod", "StackId": STACK_ID, "StackStatus": "UPDATE_COMPLETE", "CreationTime": T0}]}, {"StackName": STACK_ID})
    stub_detection(stubs["cloudformation"], "orders-svc-prod", STACK_ID, list(drifts), "d-review", drift="DRIFTED" if drifts else "IN_SYNC")


def stub_report(stubs: Stubs, body: Capture, execution_id: str = EXECUTION) -> str:
    key = f"reviews/{execution_id}/prod.md"
    stubs["s3"].add_response(
        "put_object", {"ETag": '"abc"'},
        {"Bucket": BUCKET, "Key": key, "Body": body, "ContentType": "text/markdown; charset=utf-8",
         "ServerSideEncryption": "aws:kms", "SSEKMSKeyId": KEY_ARN},
    )
    return f"https://{REGION}.console.aws.amazon.com/s3/object/{BUCKET}?region={REGION}&prefix={key}"


def change(action: str, logical_id: str, kind: str, replacement: str = "False") -> dict:
    resource = {"Action": action, "LogicalResourceId": logical_id, "PhysicalResourceId": f"{logical_id}-1", "ResourceType": kind}
    if action == "Modify":
        resource["Replacement"] = replacement
        resource["Details"] = [{"Target": {"Attribute": "Properties", "Name": "TableName" if kind.endswith("Table") else "Code",
                                           "RequiresRecreation": "Always" if replacement == "True" else "Never"},
                                "Evaluation": "Static", "ChangeSource": "DirectModification"}]
    return {"Type": "Resource", "ResourceChange": resource}


def test_a_clean_change_set_succeeds_with_verdict_and_report_url():
    stubs = Stubs()
    stub_stage(stubs)
    stub_assume_role(stubs)
    stub_change_set(stubs, [change("Modify", "OrdersFunction", "AWS::Lambda::Function")])
    body = Capture()
    url = stub_report(stubs, body)
    stubs["codepipeline"].add_response(
        "put_job_success_result", {},
        {"jobId": JOB_ID, "outputVariables": {"VERDICT": "no risk found in 1 changes", "REPORT_URL": url, "EXECUTION": "Release"},
         "executionDetails": ANY},
    )
    assert fn.handle(job(), stubs.clients(), ENVIRON) == "succeeded"
    stubs.done()
    # The target account is read with the review role's credentials, nothing else.
    assert stubs.credentials == [{"AccessKeyId": "ASIAREVIEWREVIEW0001", "SecretAccessKey": "secret", "SessionToken": "token",
                                  "Expiration": datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)}]
    report = body.value.decode("utf-8")
    assert "**Verdict: no risk found in 1 changes**" in report and "`OrdersFunction`" in report and "prod" in report


def test_fail_on_tripped_answers_failure_after_writing_the_report():
    stubs = Stubs()
    stub_stage(stubs)
    stub_assume_role(stubs)
    stub_change_set(stubs, [change("Modify", "Table", "AWS::DynamoDB::Table", replacement="True")])
    body = Capture()
    url = stub_report(stubs, body)
    message = Capture()
    stubs["codepipeline"].add_response(
        "put_job_failure_result", {}, {"jobId": JOB_ID, "failureDetails": {"type": "JobFailed", "message": message}},
    )
    assert fn.handle(job(fail_on="data-loss"), stubs.clients(), ENVIRON) == "failed"
    stubs.done()
    assert "trips review.fail_on (data-loss)" in message.value and "1 data-loss" in message.value and url in message.value
    assert "**data-loss** `Table`" in body.value.decode("utf-8")


def test_the_same_change_set_passes_a_gate_it_does_not_trip():
    stubs = Stubs()
    stub_stage(stubs)
    stub_assume_role(stubs)
    stub_change_set(stubs, [change("Add", "OrdersRole", "AWS::IAM::Role")])
    stub_report(stubs, Capture())
    stubs["codepipeline"].add_response(
        "put_job_success_result", {},
        {"jobId": JOB_ID, "outputVariables": {"VERDICT": "1 permission-broadening, 1 permission in 1 changes", "REPORT_URL": ANY,
                                              "EXECUTION": "Release"},
         "executionDetails": ANY},
    )
    assert fn.handle(job(fail_on="data-loss"), stubs.clients(), ENVIRON) == "succeeded"
    stubs.done()


def test_a_role_whose_access_cannot_be_compared_trips_a_broadening_gate():
    # No AfterContext and no template entry: a possible broadening, which the gate counts.
    stubs = Stubs()
    stub_stage(stubs)
    stub_assume_role(stubs)
    stub_change_set(stubs, [change("Add", "OrdersRole", "AWS::IAM::Role")])
    body = Capture()
    stub_report(stubs, body)
    message = Capture()
    stubs["codepipeline"].add_response("put_job_failure_result", {}, {"jobId": JOB_ID, "failureDetails": {"type": "JobFailed", "message": message}})
    assert fn.handle(job(fail_on="permission-broadening"), stubs.clients(), ENVIRON) == "failed"
    stubs.done()
    assert "trips review.fail_on (permission-broadening)" in message.value
    assert "**permission-broadening** (possible) `OrdersRole`" in body.value.decode("utf-8")


def test_a_change_resetting_a_drifted_property_trips_fail_on_overwrites_drift():
    stubs = Stubs()
    stub_stage(stubs)
    stub_assume_role(stubs)
    hotfix = resource_drift(STACK_ID, "Table", "AWS::DynamoDB::Table", "MODIFIED", "orders-svc-prod-orders",
                            [("/TableName", "orders-svc-prod-orders", "orders-hotfix", "NOT_EQUAL")])
    stub_change_set(stubs, [change("Modify", "Table", "AWS::DynamoDB::Table"), change("Modify", "OrdersFunction", "AWS::Lambda::Function")],
                    (hotfix,))
    body = Capture()
    stub_report(stubs, body)
    message = Capture()
    stubs["codepipeline"].add_response(
        "put_job_failure_result", {}, {"jobId": JOB_ID, "failureDetails": {"type": "JobFailed", "message": message}},
    )
    assert fn.handle(job(fail_on="overwrites-drift"), stubs.clients(), ENVIRON) == "failed"
    stubs.done()
    assert "trips review.fail_on (overwrites-drift)" in message.value and "1 overwrites-drift in 2 changes" in message.value
    report = body.value.decode("utf-8")
    assert "drift: 1 of 1 resources drifted (Table)" in report
    assert "**overwrites-drift** `Table`: sets TableName, which drifted: /TableName live orders-hotfix, template orders-svc-prod-orders" in report


def test_a_change_set_that_is_gone_is_a_failure_result_not_an_exception():
    stubs = Stubs()
    stub_stage(stubs)
    stub_assume_role(stubs)
    stubs["cloudformation"].add_client_error(
        "describe_change_set", service_error_code="ChangeSetNotFound", service_message="ChangeSet [orders-prod-pipeline] does not exist",
        http_status_code=404,
        expected_params={"StackName": "orders-svc-prod", "ChangeSetName": "orders-prod-pipeline", "IncludePropertyValues": True},
    )
    message = Capture()
    stubs["codepipeline"].add_response("put_job_failure_result", {}, {"jobId": JOB_ID, "failureDetails": {"type": "JobFailed", "message": message}})
    assert fn.handle(job(), stubs.clients(), ENVIRON) == "failed"
    stubs.done()  # no report was written
    assert "orders-prod-pipeline" in message.value and "gone" in message.value


def test_a_denied_role_and_bad_parameters_are_failure_results():
    stubs = Stubs()
    stub_stage(stubs)
    stubs["sts"].add_client_error("assume_role", service_error_code="AccessDenied", service_message="not authorized", http_status_code=403)
    failure = Capture()
    stubs["codepipeline"].add_response("put_job_failure_result", {}, {"jobId": JOB_ID, "failureDetails": failure})
    assert fn.handle(job(), stubs.clients(), ENVIRON) == "failed"
    stubs.done()
    assert failure.value["type"] == "PermissionError" and "not authorized" in failure.value["message"]

    stubs = Stubs()
    stubs["codepipeline"].add_response("put_job_failure_result", {}, {"jobId": JOB_ID, "failureDetails": failure})
    assert fn.handle(job(fail_on="sometimes"), stubs.clients(), ENVIRON) == "failed"
    stubs.done()
    assert failure.value["type"] == "ConfigurationError" and "sometimes" in failure.value["message"]


def stub_rollback_review(stubs: Stubs) -> None:
    """A ROLLBACK execution runs the stage (GetPipelineState's type, GetPipelineExecution's
    rollbackMetadata, as botocore's model spells them) and reviews a clean change set."""
    stub_stage(stubs, ROLLBACK_EXECUTION, "ROLLBACK")
    stubs["codepipeline"].add_response(
        "get_pipeline_execution",
        {"pipelineExecution": {"pipelineName": "orders", "pipelineExecutionId": ROLLBACK_EXECUTION, "status": "InProgress",
                               "executionType": "ROLLBACK", "rollbackMetadata": {"rollbackTargetPipelineExecutionId": EXECUTION}}},
        {"pipelineName": "orders", "pipelineExecutionId": ROLLBACK_EXECUTION},
    )
    stub_assume_role(stubs)
    stub_change_set(stubs, [change("Modify", "OrdersFunction", "AWS::Lambda::Function")])


def test_a_stage_rollback_is_reviewed_and_says_so_in_report_summary_and_variable():
    """The stage runs a ROLLBACK execution (GetPipelineState's type, GetPipelineExecution's
    rollbackMetadata, both as botocore's model spells them). The job's execution_id may be
    the target's (a rollback reuses the target's variables): the report is keyed by the
    rollback execution's own id, so it does not overwrite the target's report."""
    stubs = Stubs()
    stub_rollback_review(stubs)
    body = Capture()
    url = stub_report(stubs, body, ROLLBACK_EXECUTION)
    details = Capture()
    stubs["codepipeline"].add_response(
        "put_job_success_result", {},
        {"jobId": JOB_ID, "outputVariables": {"VERDICT": "no risk found in 1 changes", "REPORT_URL": url,
                                              "EXECUTION": f"ROLLBACK to execution {EXECUTION}"},
         "executionDetails": details},
    )
    assert fn.handle(job(execution_id=EXECUTION), stubs.clients(), ENVIRON) == "succeeded"
    stubs.done()
    assert details.value["summary"].startswith(f"ROLLBACK to execution {EXECUTION}: no risk found in 1 changes. Report: ")
    report = body.value.decode("utf-8")
    assert f"**ROLLBACK to execution {EXECUTION}.**" in report and f"pipeline execution `{ROLLBACK_EXECUTION}`" in report


def test_rollback_detection_reads_the_stage_not_the_job_execution_id():
    """Plain data out: None for a standard execution (no GetPipelineExecution made), the
    rollback and its target otherwise."""
    from pipekit.aws.codepipeline import CodePipeline
    from pipekit.release.rollback_detection import Rollback, detect_rollback

    stubs = Stubs()
    stub_stage(stubs)
    assert detect_rollback(CodePipeline(stubs.codepipeline), "orders", "Prod") is None
    stub_stage(stubs, ROLLBACK_EXECUTION, "ROLLBACK")
    stubs["codepipeline"].add_response(
        "get_pipeline_execution",
        {"pipelineExecution": {"pipelineExecutionId": ROLLBACK_EXECUTION, "executionType": "ROLLBACK",
                               "rollbackMetadata": {"rollbackTargetPipelineExecutionId": EXECUTION}}},
        {"pipelineName": "orders", "pipelineExecutionId": ROLLBACK_EXECUTION},
    )
    rollback = detect_rollback(CodePipeline(stubs.codepipeline), "orders", "Prod")
    assert rollback == Rollback(ROLLBACK_EXECUTION, EXECUTION)
    assert rollback.to_json() == {"execution_id": ROLLBACK_EXECUTION, "target_execution_id": EXECUTION}
    stubs.done()


DEV_REVIEW_ROLE = "arn:aws:iam::333333333333:role/orders-review"
DEV_ALARMS = ["orders-svc-dev-OrdersApi-new-version-errors", "orders-svc-dev-api-5xx"]


def _report_with_dossier(stub_alarms=None, **params) -> str:
    """The dossier's sources in the build account, stubbed in the order the function reads
    them (tests/test_dossier.py's stubs): the stage before from the declaration, commits,
    the candidate's tests, its time in Dev, then (stub_alarms) Dev's alarm history."""
    import test_dossier as td

    stubs = Stubs()
    stub_stage(stubs, td.CANDIDATE)
    stub_assume_role(stubs)
    stub_change_set(stubs, [change("Modify", "Table", "AWS::DynamoDB::Table", "True")])
    stubs["codepipeline"].add_response("get_pipeline", {"pipeline": {
        "name": "orders", "roleArn": "arn:aws:iam::111111111111:role/orders-pipeline", "version": 3,
        "artifactStore": {"type": "S3", "location": BUCKET},
        "stages": [{"name": name, "actions": [{"name": action, "actionTypeId": {"category": category, "owner": "AWS", "provider": provider, "version": "1"}}]}
                   for name, action, category, provider in (("Source", "Source", "Source", "CodeStarSourceConnection"),
                                                            ("Build", "Build", "Build", "CodeBuild"),
                                                            ("Dev", "ExecuteChangeSet", "Deploy", "CloudFormation"),
                                                            ("Prod", "CreateChangeSet", "Deploy", "CloudFormation"))],
    }}, {"name": "orders"})
    td.stub_commits(stubs["codepipeline"])
    td.stub_tests(stubs["codepipeline"], stubs["codebuild"])
    stubs["codepipeline"].add_response("list_action_executions", {"actionExecutionDetails": td.CANDIDATE_RUNS},
                                       {"pipelineName": "orders", "maxResults": 100, "filter": {"pipelineExecutionId": td.CANDIDATE}})
    if stub_alarms:
        stub_alarms(stubs, td)
    body = Capture()
    stub_report(stubs, body, td.CANDIDATE)
    stubs["codepipeline"].add_response("put_job_success_result", {}, {"jobId": JOB_ID, "outputVariables": ANY, "executionDetails": ANY})
    assert fn.handle(job(execution_id=td.CANDIDATE, **params), stubs.clients(), ENVIRON) == "succeeded"
    stubs.done()
    report = body.value.decode("utf-8")
    assert report.startswith(f"# Release dossier: `prod`, execution `{td.CANDIDATE}`")
    assert report.index("## Commits") < report.index("## Tests") < report.index("## Soak in Dev") < report.index("\n# Change set `")
    assert f"Compare: {td.REPO}/compare/{td.SHA[td.RUNNING]}...{td.SHA[td.CANDIDATE]}" in report
    assert "152 tests, 1 failed" in report and "In Dev since 2026-11-26 07:30 UTC" in report
    return report


def test_the_report_starts_with_the_release_dossier():
    """Without the environment before's review role in the job, Dev's alarms are out of reach."""
    assert "(no access to Dev's alarms from here)" in _report_with_dossier()


def test_the_dossier_reads_devs_alarm_history_through_devs_review_role_alarm_by_alarm():
    def stub_alarms(stubs, td):
        stubs["sts"].add_response(
            "assume_role",
            {"Credentials": {"AccessKeyId": "ASIADEVREVIEWROLE001", "SecretAccessKey": "secret", "SessionToken": "token",
                             "Expiration": datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)}},
            {"RoleArn": DEV_REVIEW_ROLE, "RoleSessionName": "pipekit-review-prod-alarms", "DurationSeconds": 900},
        )
        since = td.T0 - datetime.timedelta(hours=26)
        fired = td.alarm(DEV_ALARMS[1], "OK", "ALARM", td.T0 - datetime.timedelta(hours=3))
        for name, items in ((DEV_ALARMS[0], []), (DEV_ALARMS[1], [fired])):
            stubs["cloudwatch"].add_response("describe_alarm_history", {"AlarmHistoryItems": items}, {
                "AlarmName": name, "HistoryItemType": "StateUpdate", "StartDate": since, "EndDate": ANY,
                "AlarmTypes": ["MetricAlarm", "CompositeAlarm"], "ScanBy": "TimestampAscending"})

    report = _report_with_dossier(stub_alarms, previous_review_role_arn=DEV_REVIEW_ROLE, previous_alarms=DEV_ALARMS)
    assert "no access to Dev's alarms" not in report
    assert DEV_ALARMS[1] in report and DEV_ALARMS[0] not in report  # the one that fired, not the quiet one


def test_access_analyzer_checks_each_changed_document_and_the_report_shows_its_answer():
    """IAM Access Analyzer (Stubber: moto has no custom policy checks) is asked about the
    policy the change set widens, with the documents as the change set gives them."""
    before = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:eu-west-1:333333333333:q"}]}
    after = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]}
    policy = {"Type": "Resource", "ResourceChange": {
        "Action": "Modify", "LogicalResourceId": "WorkerPolicy", "PhysicalResourceId": "arn:aws:iam::333333333333:policy/w",
        "ResourceType": "AWS::IAM::ManagedPolicy", "Replacement": "False",
        "BeforeContext": json.dumps({"Properties": {"PolicyDocument": before}}),
        "AfterContext": json.dumps({"Properties": {"PolicyDocument": after}})}}
    stubs = Stubs()
    stub_stage(stubs)
    stub_assume_role(stubs)
    stub_change_set(stubs, [policy])
    stubs["accessanalyzer"].add_response(
        "check_no_new_access",
        {"result": "FAIL", "message": "The policy grants new access.", "reasons": [
            {"description": "New access in the statement with index: 0.", "statementIndex": 0}]},
        {"newPolicyDocument": json.dumps(after), "existingPolicyDocument": json.dumps(before), "policyType": "IDENTITY_POLICY"},
    )
    body = Capture()
    stub_report(stubs, body)
    stubs["codepipeline"].add_response("put_job_success_result", {}, {"jobId": JOB_ID, "outputVariables": ANY, "executionDetails": ANY})
    assert fn.handle(job(), stubs.clients(), ENVIRON) == "succeeded"
    stubs["accessanalyzer"].assert_no_pending_responses()
    report = body.value.decode("utf-8")
    assert "## IAM Access Analyzer" in report
    assert "- **FAIL** CheckNoNewAccess FAIL `WorkerPolicy` PolicyDocument: New access in the statement with index: 0." in report
    assert "**permission-broadening** `WorkerPolicy`: access widens: PolicyDocument statement 1: actions sqs:*; resources *" in report


def test_the_public_access_checks_name_types_access_analyzer_knows():
    import botocore.session

    from pipekit.release import access, access_analyzer

    known = set(botocore.session.get_session().get_service_model("accessanalyzer").shape_for("AccessCheckResourceType").enum)
    assert set(access_analyzer.PUBLIC_CHECK_TYPES.values()) <= known
    documents = {(kind, prop) for kind, docs in access.DOCUMENTS.items() for prop, _ in docs}
    assert set(access_analyzer.PUBLIC_CHECK_TYPES) <= documents


# ---------------------------------------------------------------- the verdict to the chat channels

CHAT_TOPIC = "arn:aws:sns:eu-west-1:111111111111:orders-chat"


def test_with_a_chat_topic_the_verdict_and_report_link_are_one_custom_notification():
    """Amazon Q Developer in chat applications' custom notification schema: version 1.0,
    source custom, content.textType client-markdown (admin guide, Event schema)."""
    stubs = Stubs()
    stub_stage(stubs)
    stub_assume_role(stubs)
    stub_change_set(stubs, [change("Modify", "Table", "AWS::DynamoDB::Table", replacement="True"),
                            change("Modify", "OrdersFunction", "AWS::Lambda::Function")])
    url = stub_report(stubs, Capture())
    message = Capture()
    stubs["sns"].add_response("publish", {"MessageId": "m-1"}, {"TopicArn": CHAT_TOPIC, "Message": message})
    stubs["codepipeline"].add_response("put_job_failure_result", {}, {"jobId": JOB_ID, "failureDetails": ANY})
    assert fn.handle(job(fail_on="data-loss"), stubs.clients(), {**ENVIRON, "CHAT_TOPIC_ARN": CHAT_TOPIC}) == "failed"
    stubs.done()
    sent = json.loads(message.value)
    assert (sent["version"], sent["source"], sent["content"]["textType"]) == ("1.0", "custom", "client-markdown")
    assert sent["content"]["title"] == "orders Prod: blocked by review.fail_on `data-loss`"
    description = sent["content"]["description"]
    assert "Verdict: 1 data-loss in 2 changes" in description and "- data-loss `Table`" in description
    assert "`OrdersFunction`" not in description  # no risk, not listed
    assert f"Environment `prod`, pipeline execution `{EXECUTION}`" in description and url in description
    assert "ROLLBACK" not in description
    assert sent["metadata"] == {"threadId": EXECUTION, "summary": "1 data-loss in 2 changes", "relatedResources": [url]}
    assert set(sent) <= {"version", "source", "id", "content", "metadata"}  # only documented fields


def test_a_rollback_says_so_in_the_chat_and_a_passing_review_waits_for_approval():
    stubs = Stubs()
    stub_rollback_review(stubs)
    stub_report(stubs, Capture(), ROLLBACK_EXECUTION)
    message = Capture()
    stubs["sns"].add_response("publish", {"MessageId": "m-1"}, {"TopicArn": CHAT_TOPIC, "Message": message})
    stubs["codepipeline"].add_response("put_job_success_result", {}, {"jobId": JOB_ID, "outputVariables": ANY, "executionDetails": ANY})
    assert fn.handle(job(), stubs.clients(), {**ENVIRON, "CHAT_TOPIC_ARN": CHAT_TOPIC}) == "succeeded"
    stubs.done()
    sent = json.loads(message.value)
    assert sent["content"]["title"] == "orders Prod: reviewed, approval next"
    assert f"ROLLBACK to execution {EXECUTION}: a stage rollback" in sent["content"]["description"]


def test_without_a_chat_channel_nothing_is_published():
    stubs = Stubs()
    stub_stage(stubs)
    stub_assume_role(stubs)
    stub_change_set(stubs, [change("Modify", "OrdersFunction", "AWS::Lambda::Function")])
    stub_report(stubs, Capture())
    stubs["codepipeline"].add_response("put_job_success_result", {}, {"jobId": JOB_ID, "outputVariables": ANY, "executionDetails": ANY})
    assert fn.handle(job(), stubs.clients(), ENVIRON) == "succeeded"
    stubs.done()
    assert stubs.published == []


def test_a_chat_that_cannot_be_reached_does_not_change_the_jobs_answer():
    stubs = Stubs()
    stub_stage(stubs)
    stub_assume_role(stubs)
    stub_change_set(stubs, [change("Modify", "OrdersFunction", "AWS::Lambda::Function")])
    stub_report(stubs, Capture())
    stubs["sns"].add_client_error("publish", service_error_code="AuthorizationError", service_message="not authorized", http_status_code=403)
    stubs["codepipeline"].add_response("put_job_success_result", {}, {"jobId": JOB_ID, "outputVariables": ANY, "executionDetails": ANY})
    assert fn.handle(job(), stubs.clients(), {**ENVIRON, "CHAT_TOPIC_ARN": CHAT_TOPIC}) == "succeeded"
    stubs.done()
    assert [p["TopicArn"] for p in stubs.published] == [CHAT_TOPIC]


def test_alarm_names_that_do_not_fit_user_parameters_are_left_out_whole(example_config):
    """CodePipeline takes at most 1000 characters of UserParameters: a job that would not
    fit carries neither the role nor the names (the dossier then says it has no access)."""
    prod, dev = layout.stages(example_config)[1], layout.stages(example_config)[0]
    base = {"pipeline": "orders", "execution_id": "x"}
    fits, role = layout._review_job(example_config, base, (dev.env, dev.target))
    assert role == dev.target.review_role_arn and json.loads(fits)["previous_alarms"]
    padded = {**base, "pad": "p" * (layout.USER_PARAMETERS_MAX - len(json.dumps(base)) - 20)}
    plain, role = layout._review_job(example_config, padded, (dev.env, dev.target))
    assert role is None and json.loads(plain) == padded and len(plain) <= layout.USER_PARAMETERS_MAX
    assert prod.previous_review_role_arn == dev.target.review_role_arn and dev.previous_review_role_arn is None
