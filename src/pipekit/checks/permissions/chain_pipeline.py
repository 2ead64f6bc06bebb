"""What the pipeline asks of its principals in the build account and of the deployment
and review roles in the target accounts, read from the resolved pipeline template:
its artifact store, source, CodeBuild and CloudFormation actions, approvals, and the
CodeBuild projects with their roles, logs, reports and artifacts."""

from __future__ import annotations

import json
from typing import Any, Iterator, Mapping

from pipekit.checks.permissions import service_data as data
from pipekit.checks.permissions.arns import facts
from pipekit.checks.permissions.asks import need
from pipekit.checks.permissions.chain_service import function_needs
from pipekit.checks.permissions.intrinsics import Stack
from pipekit.checks.permissions.model import Need
from pipekit.checks.permissions.unknown import unknown


def pipeline_needs(stack: Stack, service_transforms: tuple[str, ...] = ()) -> Iterator[Need]:
    for logical_id, resource in stack.resources.items():
        if not isinstance(resource, Mapping) or resource.get("Type") != "AWS::CodePipeline::Pipeline":
            continue
        props = stack.resolve(resource.get("Properties") or {})
        role = str(props.get("RoleArn"))
        store = props.get("ArtifactStore") or {}
        bucket = str(store.get("Location"))
        objects = f"arn:{stack.partition}:s3:::{bucket}/{unknown(f'{bucket} pipeline artifact')}"
        why = f"pipeline {props.get('Name')} ({logical_id}) uses its artifact store"
        for action in data.PIPELINE_ARTIFACT_OBJECT_CALLS:
            yield need(role, action, objects, why)
        for action in data.PIPELINE_ARTIFACT_BUCKET_CALLS:
            yield need(role, action, f"arn:{stack.partition}:s3:::{bucket}", why)
        for stage in props.get("Stages") or []:
            for action in stage.get("Actions") or []:
                yield from _action(stack, role, bucket, stage.get("Name"), action, service_transforms)
            yield from _condition_rules(stack, role, stage)


def _action(stack: Stack, pipeline_role: str, bucket: str, stage: str, action: Mapping[str, Any], transforms: tuple[str, ...]) -> Iterator[Need]:
    kind = action.get("ActionTypeId") or {}
    provider, config = kind.get("Provider"), action.get("Configuration") or {}
    caller = str(action.get("RoleArn") or pipeline_role)
    why = f"pipeline action {stage}/{action.get('Name')} ({provider})"
    if action.get("RoleArn"):
        yield need(pipeline_role, "sts:AssumeRole", caller, why + " runs as this role")
    if provider == "CodeStarSourceConnection":
        connection = str(config.get("ConnectionArn"))
        service = connection.split(":")[2] if connection.count(":") >= 2 else "codeconnections"
        for call in data.CODECONNECTIONS_SOURCE_CALLS:
            yield need(caller, call.format(service=service), connection, why)
    elif provider == "CodeCommit":
        repo = f"arn:{stack.partition}:codecommit:{stack.region}:{stack.account}:{config.get('RepositoryName')}"
        for call in data.CODECOMMIT_SOURCE_CALLS:
            yield need(caller, call, repo, why)
    elif provider == "CodeBuild":
        project = f"arn:{stack.partition}:codebuild:{stack.region}:{stack.account}:project/{config.get('ProjectName')}"
        for call in data.CODEBUILD_ACTION_CALLS:
            yield need(caller, call, project, why)
    elif provider == "Lambda":
        for call in data.LAMBDA_ACTION_CALLS:
            yield need(caller, call, _function_arn(stack, config.get("FunctionName")), why)
    elif provider == "Manual" and config.get("NotificationArn"):
        yield need(caller, "sns:Publish", str(config["NotificationArn"]), why + " asks for approval")
    elif provider == "CloudFormation":
        yield from _cloudformation(stack, caller, bucket, config, bool(action.get("InputArtifacts")), why, transforms)


def _condition_rules(stack: Stack, pipeline_role: str, stage: Mapping[str, Any]) -> Iterator[Need]:
    """The stage's gates: a CloudWatchAlarm rule reads its alarm as the rule's role (assumed
    through the pipeline role), in the rule's region and that role's account."""
    for when in ("BeforeEntry", "OnSuccess", "OnFailure"):
        for condition in (stage.get(when) or {}).get("Conditions") or []:
            for rule in condition.get("Rules") or []:
                if (rule.get("RuleTypeId") or {}).get("Provider") != "CloudWatchAlarm":
                    continue
                caller = str(rule.get("RoleArn") or pipeline_role)
                why = f"stage condition {stage.get('Name')}/{when}/{rule.get('Name')} (CloudWatchAlarm)"
                if rule.get("RoleArn"):
                    yield need(pipeline_role, "sts:AssumeRole", caller, why + " runs as this role")
                account = caller.split(":")[4] if caller.count(":") >= 5 else stack.account
                alarm = f"arn:{stack.partition}:cloudwatch:{rule.get('Region') or stack.region}:{account}:alarm:{(rule.get('Configuration') or {}).get('AlarmName')}"
                for call in data.ALARM_RULE_CALLS:
                    yield need(caller, call, alarm, why + " reads the alarm")


def _cloudformation(stack: Stack, caller: str, bucket: str, config: Mapping[str, Any], reads: bool, why: str, transforms: tuple[str, ...]) -> Iterator[Need]:
    account = caller.split(":")[4] if caller.count(":") >= 5 else stack.account
    stack_name = str(config.get("StackName"))
    stack_arn = f"arn:{stack.partition}:cloudformation:{stack.region}:{account}:stack/{stack_name}/{unknown(f'{account}/{stack_name} stack id')}"
    mode = str(config.get("ActionMode"))
    for call in data.CLOUDFORMATION_ACTION_CALLS.get(mode, ()):
        yield need(caller, call, stack_arn, f"{why} {mode} on stack {stack_name}")
    if mode == "CHANGE_SET_REPLACE":
        for transform in transforms:  # run as the caller of CreateChangeSet (service_data.TRANSFORM_ARN)
            arn = data.TRANSFORM_ARN.format(partition=stack.partition, region=stack.region, name=transform)
            yield need(caller, "cloudformation:CreateChangeSet", arn, f"{why}: the template uses the {transform} transform")
        if config.get("RoleArn"):
            service = {"iam:PassedToService": "cloudformation.amazonaws.com"}
            yield need(caller, "iam:PassRole", str(config["RoleArn"]), f"{why} passes the execution role to CloudFormation",
                       service, fix_condition={"StringEquals": service})
    if reads:
        objects = f"arn:{stack.partition}:s3:::{bucket}/{unknown(f'{bucket} pipeline artifact')}"
        for call in ("s3:GetObject", "s3:GetObjectVersion"):
            yield need(caller, call, objects, f"{why} reads its input artifacts")


def codebuild_needs(stack: Stack) -> Iterator[Need]:
    """Each CodeBuild project's role: logs, artifacts, reports, and what its buildspec runs."""
    pipeline_actions = _codebuild_actions(stack)
    report_groups = {str(stack.resolve((r.get("Properties") or {}).get("Name"))): facts(stack, lid).attrs.get("Arn")
                     for lid, r in stack.resources.items() if isinstance(r, Mapping) and r.get("Type") == "AWS::CodeBuild::ReportGroup"}
    bucket_store = _artifact_bucket(stack)
    for logical_id, resource in stack.resources.items():
        if not isinstance(resource, Mapping) or resource.get("Type") != "AWS::CodeBuild::Project":
            continue
        props = stack.resolve(resource.get("Properties") or {})
        role, name = str(props.get("ServiceRole")), str(props.get("Name"))
        why = f"CodeBuild project {name} ({logical_id})"
        group = (((props.get("LogsConfig") or {}).get("CloudWatchLogs") or {}).get("GroupName"))
        if group:
            stream = f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:log-group:{group}:log-stream:{unknown(f'{name} log stream')}"
            for call in data.CODEBUILD_LOG_CALLS:
                yield need(role, call, stream, why + " writes its logs")
        for report, arn in report_groups.items():
            if report.startswith(f"{name}-") and arn:
                for call in data.CODEBUILD_REPORT_CALLS:
                    yield need(role, call, arn, why + f" files test reports in {report}")
        objects = f"arn:{stack.partition}:s3:::{bucket_store}/{unknown(f'{bucket_store} pipeline artifact')}"
        for action in pipeline_actions.get(name, []):
            if action.get("InputArtifacts"):
                yield need(role, "s3:GetObject", objects, why + " reads its input artifacts")
            if action.get("OutputArtifacts"):
                yield need(role, "s3:PutObject", objects, why + " writes its output artifacts")
            yield from _buildspec(stack, role, name, props, action, bucket_store, why)


def _buildspec(stack: Stack, role: str, name: str, props: Mapping[str, Any], action: Mapping[str, Any], bucket: str, why: str) -> Iterator[Need]:
    spec = str((props.get("Source") or {}).get("BuildSpec"))
    if spec == "buildspec.yml":  # `aws cloudformation package` uploads the code under packages/
        key = f"arn:{stack.partition}:s3:::{bucket}/packages/{unknown(f'{bucket} package')}"
        yield need(role, "s3:PutObject", key, why + ": aws cloudformation package uploads the code")


def review_function_needs(stack: Stack) -> Iterator[Need]:
    """The review function's role: its logs, the job it answers, the target's review role
    it assumes and the report it publishes (src/pipekit/review_function/handler.py)."""
    bucket = _artifact_bucket(stack)
    functions = {str(stack.resolve((r.get("Properties") or {}).get("FunctionName"))): logical_id for logical_id, r in stack.resources.items()
                 if isinstance(r, Mapping) and r.get("Type") == "AWS::Lambda::Function"}
    for action in _pipeline_actions(stack, "Lambda"):
        config = action.get("Configuration") or {}
        name = str(config.get("FunctionName"))
        if name not in functions:
            continue
        props = stack.resolve(stack.resources[functions[name]].get("Properties") or {})
        role, why = str(props.get("Role")), f"review function {name} (action {action.get('Name')})"
        yield from function_needs(stack, functions[name], props)
        for call in data.JOB_RESULT_CALLS:
            yield need(role, call, "*", why + " answers the pipeline's job")
        for call in data.ACCESS_ANALYZER_CALLS:
            yield need(role, call, "*", why + " asks IAM Access Analyzer about the changed policies")
        parameters = json.loads(str(config.get("UserParameters") or "{}"))
        if parameters.get("pipeline"):
            pipeline_arn = f"arn:{stack.partition}:codepipeline:{stack.region}:{stack.account}:{parameters['pipeline']}"
            for call in data.ROLLBACK_DETECTION_CALLS:
                yield need(role, call, pipeline_arn, why + " tells a stage rollback from a release")
            for call in data.DOSSIER_PIPELINE_CALLS:
                yield need(role, call, pipeline_arn, why + " reads the release for its dossier")
            yield from dossier_build_needs(stack, role, why)
        if parameters.get("review_role_arn"):
            yield need(role, "sts:AssumeRole", str(parameters["review_role_arn"]), why + " reads the change set through this role")
        yield from _previous_alarm_needs(stack, role, parameters, why)
        key = f"arn:{stack.partition}:s3:::{bucket}/reviews/{unknown(f'{bucket} review report')}"
        yield need(role, "s3:PutObject", key, why + " publishes the review report")
        chat_topic = ((props.get("Environment") or {}).get("Variables") or {}).get("CHAT_TOPIC_ARN")
        if chat_topic:  # review_function/chat_message.py: the verdict to the chat channels
            yield need(role, "sns:Publish", str(chat_topic), why + " tells the chat channels the verdict")


def _previous_alarm_needs(stack: Stack, role: str, parameters: Mapping[str, Any], why: str) -> Iterator[Need]:
    """The dossier's alarm history of the environment before, through its review role."""
    previous = str(parameters.get("previous_review_role_arn") or "")
    if not previous:
        return
    yield need(role, "sts:AssumeRole", previous, why + " reads the alarm history of the environment before through this role")
    account = previous.split(":")[4]
    for alarm in parameters.get("previous_alarms") or []:
        arn = f"arn:{stack.partition}:cloudwatch:{stack.region}:{account}:alarm:{alarm}"
        for call in data.DOSSIER_ALARM_CALLS:
            yield need(previous, call, arn, why + " reads whether the candidate's alarms fired in the environment before")


def dossier_build_needs(stack: Stack, role: str, why: str) -> Iterator[Need]:
    """The dossier's test totals: every CodeBuild project's builds and report groups' reports."""
    for logical_id, resource in stack.resources.items():
        kind = resource.get("Type") if isinstance(resource, Mapping) else None
        calls = data.DOSSIER_BUILD_CALLS if kind == "AWS::CodeBuild::Project" else data.DOSSIER_REPORT_CALLS if kind == "AWS::CodeBuild::ReportGroup" else ()
        arn = facts(stack, logical_id).attrs.get("Arn") if calls else None
        for call in calls if arn else ():
            yield need(role, call, arn, why + f" reads the candidate's tests ({logical_id})")


def _function_arn(stack: Stack, name: Any) -> str:
    return f"arn:{stack.partition}:lambda:{stack.region}:{stack.account}:function:{name}"


def review_needs(stack: Stack, review_role: str, stack_name: str, account: str) -> Iterator[Need]:
    arn = f"arn:{stack.partition}:cloudformation:{stack.region}:{account}:stack/{stack_name}/{unknown(f'{account}/{stack_name} stack id')}"
    for call in data.REVIEW_CALLS:
        yield need(review_role, call, arn, f"pipekit changeset show reads the change set of {stack_name}")


def event_needs(stack: Stack) -> Iterator[Need]:
    """EventBridge rules that publish to topics: the topic policy (and key policy) must let
    events.amazonaws.com in, for this rule."""
    for logical_id, resource in stack.resources.items():
        if not isinstance(resource, Mapping) or resource.get("Type") != "AWS::Events::Rule":
            continue
        rule_arn = facts(stack, logical_id).attrs.get("Arn", "")
        for target in stack.resolve((resource.get("Properties") or {}).get("Targets") or []):
            arn = str(target.get("Arn"))
            if ":sns:" in arn:
                context = {"aws:sourcearn": rule_arn, "aws:sourceaccount": stack.account}
                yield need("events.amazonaws.com", "sns:Publish", arn, f"rule {logical_id} notifies {arn.rsplit(':', 1)[-1]}", context)


def _pipeline_actions(stack: Stack, provider: str) -> Iterator[Mapping[str, Any]]:
    """The pipeline's actions of one provider, resolved."""
    for resource in stack.resources.values():
        if isinstance(resource, Mapping) and resource.get("Type") == "AWS::CodePipeline::Pipeline":
            for stage in stack.resolve((resource.get("Properties") or {}).get("Stages") or []):
                yield from (a for a in stage.get("Actions") or [] if (a.get("ActionTypeId") or {}).get("Provider") == provider)


def _codebuild_actions(stack: Stack) -> dict[str, list[Mapping[str, Any]]]:
    found: dict[str, list] = {}
    for action in _pipeline_actions(stack, "CodeBuild"):
        found.setdefault(str((action.get("Configuration") or {}).get("ProjectName")), []).append(action)
    return found


def _artifact_bucket(stack: Stack) -> str:
    for resource in stack.resources.values():
        if isinstance(resource, Mapping) and resource.get("Type") == "AWS::CodePipeline::Pipeline":
            return str(stack.resolve(((resource.get("Properties") or {}).get("ArtifactStore") or {}).get("Location")))
    return unknown("artifact bucket")
