"""The permission preflight on the rendered example: each injected defect is caught
with the right rule, principal and action, where its fix belongs. Findings are
compared with the untouched example's, so these hold whatever gaps it has today."""

from __future__ import annotations

import copy
import json

import pytest
from cfnlint.decode.cfn_yaml import loads

from conftest import config_from, example_data
from pipekit.checks.permissions.preflight import preflight
from pipekit.checks.permissions.model import DENIED, SIZE, STAR_ONLY, UNKNOWN_ACTION, UNPROVABLE, UNUSED
from pipekit.project import names
from pipekit.project.render import render_all

EXEC = "arn:aws:iam::222222222222:role/orders-cfn-exec"
DEPLOY = "arn:aws:iam::222222222222:role/orders-deploy"


@pytest.fixture(scope="module")
def example():
    cfg = config_from(example_data())
    files = render_all(cfg)
    templates = {rel: loads(files[rel]) for rel in names.CLOUDFORMATION_TEMPLATES}
    return cfg, files, templates, preflight(templates, cfg)


def new_findings(example, change):
    cfg, _, templates, before = example
    changed = copy.deepcopy(templates)
    change(changed)
    seen = {(f.rule, f.principal, f.action, f.resource, f.message) for f in before}
    return [f for f in preflight(changed, cfg) if (f.rule, f.principal, f.action, f.resource, f.message) not in seen]


def statement(templates, logical_id, sid, rel=names.TARGET_ACCOUNT_TEMPLATE):
    document = templates[rel]["Resources"][logical_id]["Properties"]["PolicyDocument"]
    return next(s for s in document["Statement"] if s.get("Sid") == sid)


def line_of(files, rel, logical_id):
    return files[rel].splitlines().index(f"  {logical_id}:") + 1


def test_a_queue_added_by_hand_names_sqs_create_queue(example):
    def add_queue(templates):
        templates[names.SERVICE_TEMPLATE]["Resources"]["Jobs"] = {
            "Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::Sub": "${AWS::StackName}-jobs"}}}

    found = [f for f in new_findings(example, add_queue) if f.principal == EXEC and f.action == "sqs:CreateQueue"]
    assert found and found[0].rule == DENIED
    assert found[0].resource == "arn:aws:sqs:eu-west-1:222222222222:orders-svc-dev-jobs"
    assert found[0].file == names.TARGET_ACCOUNT_TEMPLATE
    assert json.loads(found[0].fix) == {"Effect": "Allow", "Action": "sqs:CreateQueue",
                                         "Resource": "arn:aws:sqs:eu-west-1:222222222222:orders-svc-dev-jobs"}


def test_an_action_removed_from_the_execution_role(example):
    _, files, _, _ = example

    def remove(templates):
        statement(templates, "ExecutionPolicy", "Functions")["Action"].remove("lambda:CreateFunction")

    found = [f for f in new_findings(example, remove) if f.principal == EXEC]
    assert {f.action for f in found} == {"lambda:CreateFunction"}
    assert all(f.rule == DENIED and "no policy of the principal allows it" in f.message for f in found)
    # the fix belongs in the execution role's managed policy, and the line says where
    assert {(f.file, f.line) for f in found} == {(names.TARGET_ACCOUNT_TEMPLATE, line_of(files, names.TARGET_ACCOUNT_TEMPLATE, "ExecutionPolicy"))}
    assert any('"Resource": "arn:aws:lambda:eu-west-1:222222222222:function:orders-svc-dev-OrdersApiFunction-*"' in f.fix for f in found)


def test_the_boundary_missing_an_action_a_function_role_needs(example):
    def narrow(templates):
        statement(templates, "ServiceBoundary", "OwnTables")["Action"].remove("dynamodb:GetItem")

    found = [f for f in new_findings(example, narrow) if f.action == "dynamodb:GetItem"]
    assert found and all(f.rule == DENIED and "permissions boundary" in f.message for f in found)
    assert {f.principal.split("/")[-1].rsplit("-", 1)[0] for f in found} == {"orders-svc-dev-OrdersApiFunctionRole", "orders-svc-prod-OrdersApiFunctionRole"}
    assert {f.file for f in found} == {names.TARGET_ACCOUNT_TEMPLATE}


def test_the_artifact_key_policy_no_longer_naming_the_deployment_role(example):
    def forget(templates):
        key = templates[names.BUILD_ACCOUNT_TEMPLATE]["Resources"]["ArtifactKey"]["Properties"]["KeyPolicy"]
        for s in key["Statement"]:
            if s.get("Sid") == "TargetAccountRolesUseTheKey":
                arns = s["Condition"]["ArnEquals"]["aws:PrincipalArn"]
                arns[:] = [a for a in arns if not a.endswith(":role/orders-deploy")]

    found = [f for f in new_findings(example, forget) if f.principal == DEPLOY]
    assert found and {f.action for f in found} == {"kms:Decrypt"}
    assert all("the resource's policy does not allow this principal" in f.message for f in found)
    assert {f.file for f in found} == {names.BUILD_ACCOUNT_TEMPLATE}
    assert json.loads(found[0].fix)["Principal"] == {"AWS": DEPLOY}


def test_a_statement_on_an_arn_for_an_action_that_supports_only_star(example):
    def scope(templates):
        document = templates[names.TARGET_ACCOUNT_TEMPLATE]["Resources"]["ExecutionPolicy"]["Properties"]["PolicyDocument"]
        for statement in document["Statement"]:  # the grant on "*" that the template has goes
            if statement.get("Resource") == "*" and isinstance(statement["Action"], list):
                statement["Action"] = [a for a in statement["Action"] if a != "codedeploy:StopDeployment"]
        document["Statement"].append({"Sid": "Injected", "Effect": "Allow", "Action": "codedeploy:StopDeployment",
                                      "Resource": "arn:aws:codedeploy:eu-west-1:222222222222:deploymentgroup:orders-svc-*/*"})

    found = new_findings(example, scope)
    star = [f for f in found if f.rule == STAR_ONLY]
    assert {f.action for f in star} == {"codedeploy:StopDeployment"}
    assert json.loads(star[0].fix)["Resource"] == "*"
    # and the grant does not help: IAM asks StopDeployment on "*", which the ARN never matches
    cfg, _, templates, _ = example
    changed = copy.deepcopy(templates)
    scope(changed)
    assert any(f.rule == DENIED and f.principal == EXEC and f.action == "codedeploy:StopDeployment" and f.resource == "*"
               for f in preflight(changed, cfg))


def test_an_explicit_deny(example):
    def deny(templates):
        document = templates[names.TARGET_ACCOUNT_TEMPLATE]["Resources"]["ExecutionPolicy"]["Properties"]["PolicyDocument"]
        document["Statement"].append({"Sid": "NoTables", "Effect": "Deny", "Action": "dynamodb:CreateTable", "Resource": "*"})

    found = [f for f in new_findings(example, deny) if f.principal == EXEC]
    assert {f.action for f in found} == {"dynamodb:CreateTable"}
    assert found[0].rule == DENIED and "NoTables" in found[0].message and found[0].fix is None


def test_a_condition_the_evaluator_cannot_decide(example):
    def tag_condition(templates):
        statement(templates, "ExecutionPolicy", "Tables")["Condition"] = {"StringEquals": {"aws:RequestTag/team": "orders"}}

    found = [f for f in new_findings(example, tag_condition) if f.principal == EXEC]
    assert found and {f.rule for f in found} == {UNPROVABLE}
    assert "dynamodb:CreateTable" in {f.action for f in found}
    assert "Tables" in found[0].message


def test_a_typo_in_an_action(example):
    def typo(templates):
        actions = statement(templates, "ExecutionPolicy", "Functions")["Action"]
        actions[actions.index("lambda:GetFunction")] = "lambda:GetFuntion"

    found = new_findings(example, typo)
    typos = [f for f in found if f.rule == UNKNOWN_ACTION]
    assert [f.action for f in typos] == ["lambda:GetFuntion"]  # one finding for the template, not one per account
    assert typos[0].file == names.TARGET_ACCOUNT_TEMPLATE and "Functions" in typos[0].message


def test_the_managed_policy_size_limit(example):
    def grow(templates):
        actions = statement(templates, "ExecutionPolicy", "Functions")["Action"]
        actions += [f"lambda:GetFunction{'x' * 40}{n}" for n in range(150)]

    sizes = [f for f in new_findings(example, grow) if f.rule == SIZE]
    assert sizes and "6144" in sizes[0].message.replace(",", "")


def test_the_pipeline_role_must_be_trusted_by_the_deployment_role(example):
    def distrust(templates):
        role = templates[names.TARGET_ACCOUNT_TEMPLATE]["Resources"]["DeploymentRole"]["Properties"]
        role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["AWS"] = "arn:aws:iam::111111111111:role/someone-else"

    found = [f for f in new_findings(example, distrust) if f.action == "sts:AssumeRole"]
    assert {f.principal for f in found} == {"arn:aws:iam::111111111111:role/orders-pipeline"}
    assert {f.resource for f in found} == {DEPLOY, DEPLOY.replace("222222222222", "333333333333")}


def test_every_finding_of_every_variant_is_complete(variant):
    _, cfg = variant
    files = render_all(cfg)
    templates = {rel: loads(files[rel]) for rel in names.CLOUDFORMATION_TEMPLATES}
    findings = preflight(templates, cfg)
    for f in findings:
        assert f.rule in {DENIED, UNPROVABLE, STAR_ONLY, UNKNOWN_ACTION, SIZE, UNUSED}
        assert f.file in names.CLOUDFORMATION_TEMPLATES and f.message
        if f.rule == DENIED and "explicit" not in f.message:
            assert json.loads(f.fix)["Effect"] == "Allow"


REVIEW_FUNCTION_ROLE = "arn:aws:iam::111111111111:role/orders-review"


def _without(templates, logical_id, sid):
    document = templates[names.PIPELINE_TEMPLATE]["Resources"][logical_id]["Properties"]["Policies"][0]["PolicyDocument"]
    document["Statement"] = [s for s in document["Statement"] if s.get("Sid") != sid]


@pytest.mark.parametrize("logical_id, sid, principal, actions", [
    ("PipelineRole", "InvokeReview", "arn:aws:iam::111111111111:role/orders-pipeline", {"lambda:InvokeFunction"}),
    ("ReviewRole", "AnswerTheJob", REVIEW_FUNCTION_ROLE, {"codepipeline:PutJobSuccessResult", "codepipeline:PutJobFailureResult"}),
    ("ReviewRole", "WriteReports", REVIEW_FUNCTION_ROLE, {"s3:PutObject"}),
    ("ReviewRole", "AssumeTargetReviewRoles", REVIEW_FUNCTION_ROLE, {"sts:AssumeRole"}),
    ("ReviewRole", "ArtifactKey", REVIEW_FUNCTION_ROLE, {"kms:Decrypt", "kms:GenerateDataKey"}),
    ("ReviewRole", "Logs", REVIEW_FUNCTION_ROLE, {"logs:CreateLogStream", "logs:PutLogEvents"}),
    ("ReviewRole", "DetectRollback", REVIEW_FUNCTION_ROLE, {"codepipeline:GetPipelineState", "codepipeline:GetPipelineExecution"}),
    ("ReviewRole", "ReadTheRelease", REVIEW_FUNCTION_ROLE,
     {"codepipeline:GetPipeline", "codepipeline:ListPipelineExecutions", "codepipeline:ListActionExecutions"}),
    ("ReviewRole", "ReadTheCandidatesBuilds", REVIEW_FUNCTION_ROLE, {"codebuild:BatchGetBuilds"}),
    ("ReviewRole", "ReadTheirTestReports", REVIEW_FUNCTION_ROLE, {"codebuild:BatchGetReports"}),
    ("ReviewRole", "CheckPolicies", REVIEW_FUNCTION_ROLE, {"access-analyzer:CheckNoNewAccess", "access-analyzer:CheckNoPublicAccess"}),
])
def test_every_grant_of_the_review_function_is_needed(example, logical_id, sid, principal, actions):
    found = new_findings(example, lambda templates: _without(templates, logical_id, sid))
    assert {f.action for f in found if f.rule == DENIED and f.principal == principal} == actions


# ---------------------------------------------------------------- the review role detects drift

REVIEW = "arn:aws:iam::333333333333:role/orders-review"


def _drift_policy(templates):
    role = templates[names.TARGET_ACCOUNT_TEMPLATE]["Resources"]["ReviewRole"]["Properties"]
    policy = next(p for p in role["Policies"] if p["PolicyName"] == "detect-drift")
    return {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}


def test_the_review_role_may_read_exactly_what_drift_detection_reads(example):
    from pipekit.checks.permissions.chain_cfn import drift_needs
    from pipekit.checks.permissions.stacks import load

    cfg, _, templates, findings = example
    assert not [f for f in findings if f.principal == REVIEW]
    project = load(templates, cfg)
    needed = {n.action for stage, stack in project.services if stage.approval_action for n in drift_needs(stage, stack)}
    granted = {a for s in _drift_policy(templates).values() for a in s["Action"]}
    # every read the detection makes, and nothing more; the stack itself is read under the
    # change sets' grant (ReadServiceChangeSets)
    assert granted == needed - {"cloudformation:DescribeStacks"}
    assert {"dynamodb:DescribeTable", "lambda:GetFunction", "iam:GetRole"} <= granted
    # The drift calls themselves, as the User Guide ("Detect drift on an entire stack") and
    # the API reference name them: start, per-resource check, status, results. The preflight
    # takes its list from the same place as the template, so only this pins it.
    assert {"cloudformation:DetectStackDrift", "cloudformation:DetectStackResourceDrift",
            "cloudformation:DescribeStackDriftDetectionStatus", "cloudformation:DescribeStackResourceDrifts"} <= granted
    assert not any(a.split(":")[1].startswith(("Put", "Update", "Create", "Delete")) for a in granted)


@pytest.mark.parametrize("action, sid", [("dynamodb:DescribeTable", "ReadDynamodbForDrift"), ("iam:GetRole", "ReadIamForDrift"), ("cloudformation:DetectStackDrift", "DetectServiceDrift"),
                                         ("kms:Decrypt", "ReadEncryptedSettings")])
def test_a_read_taken_from_the_review_role_is_denied_for_drift_detection(example, action, sid):
    def take(templates):
        found = _drift_policy(templates)[sid]
        found["Action"] = [a for a in found["Action"] if a != action]
        if not found["Action"]:
            found["Action"] = ["cloudformation:DescribeStacks"]

    denied = [f for f in new_findings(example, take) if f.principal == REVIEW and f.action == action]
    assert denied and denied[0].rule == DENIED and "drift" in denied[0].message


def test_decrypting_for_drift_detection_must_go_through_lambda(example):
    def any_service(templates):
        _drift_policy(templates)["ReadEncryptedSettings"]["Condition"]["StringEquals"]["kms:ViaService"] = ["s3.eu-west-1.amazonaws.com"]

    denied = [f for f in new_findings(example, any_service) if f.principal == REVIEW and f.action == "kms:Decrypt"]
    assert denied and denied[0].rule == DENIED


# ---------------------------------------------------------------- the dossier reads Dev's alarm history

DEV_REVIEW_ROLE = "arn:aws:iam::222222222222:role/orders-review"


def _without_alarm_history(templates):
    role = templates[names.TARGET_ACCOUNT_TEMPLATE]["Resources"]["ReviewRole"]["Properties"]
    for policy in role["Policies"]:
        statements = policy["PolicyDocument"]["Statement"]
        policy["PolicyDocument"]["Statement"] = [s for s in statements if s.get("Sid") != "ReadServiceAlarmHistory"]


def _without_dev_review_role(templates):
    document = templates[names.PIPELINE_TEMPLATE]["Resources"]["ReviewRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    statement = next(s for s in document["Statement"] if s.get("Sid") == "AssumeTargetReviewRoles")
    statement["Resource"] = [arn for arn in statement["Resource"] if arn != DEV_REVIEW_ROLE]


def test_the_dev_review_role_must_read_exactly_the_services_alarm_history(example):
    found = new_findings(example, _without_alarm_history)
    assert {(f.rule, f.principal, f.action, f.resource) for f in found} == {
        (DENIED, DEV_REVIEW_ROLE, "cloudwatch:DescribeAlarmHistory", f"arn:aws:cloudwatch:eu-west-1:222222222222:alarm:{alarm}")
        for alarm in ("orders-svc-dev-OrdersApi-new-version-errors", "orders-svc-dev-api-5xx")
    }


def test_the_review_function_must_be_allowed_to_assume_devs_review_role(example):
    found = new_findings(example, _without_dev_review_role)
    assert {(f.rule, f.principal, f.action, f.resource) for f in found} == {(DENIED, REVIEW_FUNCTION_ROLE, "sts:AssumeRole", DEV_REVIEW_ROLE)}


@pytest.mark.parametrize("rel, key, sid, group", [
    (names.BUILD_ACCOUNT_TEMPLATE, "ArtifactKey", "PipelineLogsAreEncrypted", "log group BuildLogGroup"),
    (names.TARGET_ACCOUNT_TEMPLATE, "ServiceKey", "ServiceLogGroups", "log group OrdersApiLogGroup"),
])
def test_an_encrypted_log_group_needs_its_key_to_let_cloudwatch_logs_in(example, rel, key, sid, group):
    def drop(templates):
        document = templates[rel]["Resources"][key]["Properties"]["KeyPolicy"]
        document["Statement"] = [s for s in document["Statement"] if s.get("Sid") != sid]

    found = [f for f in new_findings(example, drop) if f.principal == "logs.eu-west-1.amazonaws.com"]
    assert found and {f.rule for f in found} == {DENIED}
    assert {f.action for f in found} >= {"kms:GenerateDataKey", "kms:Decrypt"}
    assert any(group in f.message for f in found) and all(f.file == rel for f in found)


def test_the_access_log_bucket_must_let_s3_deliver_the_artifact_buckets_logs(example):
    def drop(templates):
        document = templates[names.BUILD_ACCOUNT_TEMPLATE]["Resources"]["AccessLogBucketPolicy"]["Properties"]["PolicyDocument"]
        document["Statement"] = [s for s in document["Statement"] if s.get("Sid") != "S3LogDeliveryForTheArtifactBucket"]

    found = [f for f in new_findings(example, drop) if f.principal == "logging.s3.amazonaws.com"]
    assert [(f.rule, f.action, f.file) for f in found] == [(DENIED, "s3:PutObject", names.BUILD_ACCOUNT_TEMPLATE)]
    assert "/artifacts/" in found[0].resource  # under the artifact bucket's LogFilePrefix


# ---------------------------------------------------------------- the SAM transform's grant

TRANSFORM = "arn:aws:cloudformation:eu-west-1:aws:transform/Serverless-2016-10-31"


def test_the_sam_transform_is_asked_of_the_caller_of_create_change_set(example):
    """CloudFormation runs the service template's Transform as whoever calls CreateChangeSet
    (the deployment role in each target account), not as the stack's execution role."""
    def drop(templates):
        document = templates[names.TARGET_ACCOUNT_TEMPLATE]["Resources"]["DeploymentRole"]["Properties"]["Policies"][0]["PolicyDocument"]
        document["Statement"] = [s for s in document["Statement"] if s.get("Sid") != "SamTransform"]

    found = new_findings(example, drop)
    assert {(f.rule, f.principal, f.action, f.resource) for f in found} == {
        (DENIED, DEPLOY, "cloudformation:CreateChangeSet", TRANSFORM),
        (DENIED, DEPLOY.replace("222222222222", "333333333333"), "cloudformation:CreateChangeSet", TRANSFORM),
    }


def test_every_transform_of_the_service_template_is_asked_for(example):
    def two_transforms(templates):
        templates[names.SERVICE_TEMPLATE]["Transform"] = ["AWS::LanguageExtensions", "AWS::Serverless-2016-10-31"]

    found = new_findings(example, two_transforms)
    assert {(f.principal, f.resource) for f in found if f.action == "cloudformation:CreateChangeSet"} == {
        (DEPLOY, TRANSFORM.replace("Serverless-2016-10-31", "LanguageExtensions")),
        (DEPLOY.replace("222222222222", "333333333333"), TRANSFORM.replace("Serverless-2016-10-31", "LanguageExtensions")),
    }


def unasked_execution_grants(cfg, templates):
    """The actions the execution role's policy grants that nothing the service stack does asks for."""
    from pipekit.checks.permissions.preflight import needs
    from pipekit.checks.permissions.stacks import load

    asked = {n.action.lower() for n in needs(load(templates, cfg)) if n.principal == EXEC}
    document = templates[names.TARGET_ACCOUNT_TEMPLATE]["Resources"]["ExecutionPolicy"]["Properties"]["PolicyDocument"]
    granted = {a for s in document["Statement"] for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert "cloudformation:createchangeset" not in asked  # the transform is the deployment role's
    return {a for a in granted if a.lower() not in asked}


def test_the_execution_role_is_granted_only_what_it_is_asked(example):
    """Every grant of the execution role is one the preflight asks for (handler schemas,
    tagging, documented calls): a grant added that nothing asks for fails here
    (test_execution_role_grants.py adds back each one taken out)."""
    cfg, _, templates, _ = example
    assert unasked_execution_grants(cfg, templates) == set()


# ---------------------------------------------------------------- the policies for people

def _drop_statement(rel, logical_id, sid):
    def drop(templates):
        document = templates[rel]["Resources"][logical_id]["Properties"]["PolicyDocument"]
        document["Statement"] = [s for s in document["Statement"] if s.get("Sid") != sid]
    return drop


@pytest.mark.parametrize("rel, sid, holder, denied", [
    (names.TARGET_ACCOUNT_TEMPLATE, "ReadGatedChangeSets", "arn:aws:iam::333333333333:role/<a holder of orders-approvers>",
     {("cloudformation:DescribeChangeSet", "arn:aws:cloudformation:eu-west-1:333333333333:stack/orders-svc-prod/<333333333333/orders-svc-prod stack id>"),
      ("cloudformation:GetTemplate", "arn:aws:cloudformation:eu-west-1:333333333333:stack/orders-svc-prod/<333333333333/orders-svc-prod stack id>")}),
    (names.TARGET_ACCOUNT_TEMPLATE, "ReadServiceAlarmHistory", "arn:aws:iam::222222222222:role/<a holder of orders-approvers>",
     {("cloudwatch:DescribeAlarmHistory", f"arn:aws:cloudwatch:eu-west-1:222222222222:alarm:orders-svc-dev-{alarm}")
      for alarm in ("OrdersApi-new-version-errors", "api-5xx")}),
    (names.PIPELINE_TEMPLATE, "RollBackEnvironmentStages", "arn:aws:iam::111111111111:role/<a holder of orders-responders>",
     {("codepipeline:RollbackStage", f"arn:aws:codepipeline:eu-west-1:111111111111:orders/{stage}") for stage in ("Dev", "Prod")}),
])
def test_a_grant_taken_from_a_policy_for_people_is_denied_to_its_holders(example, rel, sid, holder, denied):
    """The approvers' and responders' policies are attached to no role: the preflight asks
    a holder of each for what approve, rollback and status call (chain_people.py)."""
    logical_id = "RespondersPolicy" if "responders" in holder else "ApproversPolicy"
    found = new_findings(example, _drop_statement(rel, logical_id, sid))
    assert {(f.action, f.resource) for f in found if f.principal == holder and f.rule == DENIED} == denied
    assert {f.file for f in found} == {rel} and all(json.loads(f.fix)["Effect"] == "Allow" for f in found)


@pytest.mark.parametrize("rel, logical_id, sid, action", [
    (names.TARGET_ACCOUNT_TEMPLATE, "ApproversPolicy", "ReadGatedChangeSets", "cloudformation:ListChangeSets"),
    (names.PIPELINE_TEMPLATE, "RespondersPolicy", "ReadThePipeline", "codepipeline:StartPipelineExecution"),
])
def test_a_grant_no_holder_is_asked_for_is_unused(example, rel, logical_id, sid, action):
    """Nothing but the commands uses these policies: a grant none of them calls, in any
    account the template goes to, is a finding on the policy's line."""
    _, files, _, _ = example

    def add(templates):
        found = next(s for s in templates[rel]["Resources"][logical_id]["Properties"]["PolicyDocument"]["Statement"] if s.get("Sid") == sid)
        found["Action"] = [*found["Action"], action]

    found = new_findings(example, add)
    assert [(f.rule, f.action, f.file, f.line) for f in found] == [(UNUSED, action, rel, line_of(files, rel, logical_id))]


def test_the_review_role_is_asked_to_read_the_stack_before_it_detects_drift(example):
    """release/changesets.py reads the stack (DescribeStacks) to skip a CREATE change set's
    drift: the review role's grant of it is asked for, and denied without it."""
    def drop(templates):
        for policy in templates[names.TARGET_ACCOUNT_TEMPLATE]["Resources"]["ReviewRole"]["Properties"]["Policies"]:
            for statement in policy["PolicyDocument"]["Statement"]:
                if statement.get("Sid") == "ReadServiceChangeSets":
                    statement["Action"] = [a for a in statement["Action"] if a != "cloudformation:DescribeStacks"]

    found = new_findings(example, drop)
    assert {(f.rule, f.action, f.principal) for f in found} == {
        (DENIED, "cloudformation:DescribeStacks", "arn:aws:iam::333333333333:role/orders-review")}
