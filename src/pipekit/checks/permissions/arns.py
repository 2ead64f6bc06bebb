"""What a template resource is called once it exists: the value of Ref, its GetAtt
attributes, and its ARN under each Service Authorization Reference resource type
(for example a Lambda alias is both a "function" and a "function alias").

The ARN prefixes come from the SAR data (resources.py); what is typed here is only
which property names a resource and how its own part of the ARN is written. A name
CloudFormation generates is "<stack>-<logical id>-<random>", so it falls under the
stack's prefix, which is what pipekit's roles are scoped to."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional
from urllib.parse import quote

from pipekit.checks.permissions import resources
from pipekit.checks.permissions.intrinsics import Stack
from pipekit.checks.permissions.unknown import unknown


@dataclass
class Facts:
    ref: str
    attrs: dict[str, str] = field(default_factory=dict)
    arns: dict[str, list[str]] = field(default_factory=dict)  # SAR resource type (lower-case) -> ARNs


def facts(stack: Stack, logical_id: str) -> Facts:
    cache = stack.__dict__.setdefault("_facts", {})
    if logical_id not in cache:
        cache[logical_id] = Facts(unknown(f"{stack.name}: Ref {logical_id} (cycle)"))  # guards a cycle
        resource = stack.resources[logical_id]
        builder = _BUILDERS.get(resource.get("Type", ""), _generic)
        cache[logical_id] = builder(_View(stack, logical_id, resource))
    return cache[logical_id]


def ref_and_attrs(stack: Stack, logical_id: str) -> tuple[str, dict[str, str]]:
    found = facts(stack, logical_id)
    return found.ref, found.attrs


class _View:
    def __init__(self, stack: Stack, logical_id: str, resource: Mapping[str, Any]) -> None:
        self.stack, self.logical_id = stack, logical_id
        self.props = resource.get("Properties") or {}

    def prop(self, name: str) -> Optional[str]:
        return self.stack.text(self.props[name]) if name in self.props else None

    def name(self, prop: str) -> str:
        return self.prop(prop) or f"{self.stack.name}-{self.logical_id}-{unknown(f'{self.stack.account}/{self.stack.name}/{self.logical_id} generated name')}"

    def arn(self, service: str, kind: str, own: str) -> str:
        s = self.stack
        return resources.arn(service, kind, own, s.partition, s.region, s.account) or unknown(f"{service} {kind} {own}")

    def unknown(self, what: str) -> str:
        return unknown(f"{self.stack.account}/{self.stack.name}/{self.logical_id} {what}")


def _function_name(value: str) -> str:
    """FunctionName may be a name, a function ARN or a qualified ARN."""
    if value.startswith("arn:"):
        parts = value.split(":")
        return parts[6] if len(parts) > 6 else value
    return value


def _lambda_function(v: _View) -> Facts:
    name = v.name("FunctionName")
    arn = v.arn("lambda", "function", name)
    return Facts(name, {"Arn": arn}, {"function": [arn]})


def _lambda_version(v: _View) -> Facts:
    fn = _function_name(v.prop("FunctionName") or v.unknown("function"))
    fn_arn = v.arn("lambda", "function", fn)
    version = v.unknown("version number")
    arn = f"{fn_arn}:{version}"
    return Facts(arn, {"Version": version, "FunctionArn": fn_arn}, {"function": [fn_arn], "function version": [arn]})


def _lambda_alias(v: _View) -> Facts:
    fn = _function_name(v.prop("FunctionName") or v.unknown("function"))
    fn_arn = v.arn("lambda", "function", fn)
    arn = f"{fn_arn}:{v.prop('Name') or v.unknown('alias name')}"
    return Facts(arn, {"AliasArn": arn}, {"function": [fn_arn], "function alias": [arn]})


def _lambda_permission(v: _View) -> Facts:
    target = v.prop("FunctionName") or v.unknown("function")
    arn = target if target.startswith("arn:") else v.arn("lambda", "function", target)
    return Facts(v.unknown("permission id"), {}, {"function": [arn]})


def _iam_role(v: _View) -> Facts:
    name = v.name("RoleName")
    path = (v.prop("Path") or "/").lstrip("/")
    arn = v.arn("iam", "role", f"{path}{name}")
    return Facts(name, {"Arn": arn, "RoleId": v.unknown("role id")}, {"role": [arn]})


def _iam_managed_policy(v: _View) -> Facts:
    name = v.name("ManagedPolicyName")
    path = (v.prop("Path") or "/").lstrip("/")
    arn = v.arn("iam", "policy", f"{path}{name}")
    return Facts(arn, {"PolicyArn": arn}, {"policy": [arn]})


def _iam_policy(v: _View) -> Facts:
    roles = v.stack.resolve(v.props.get("Roles") or [])
    arns = [r if r.startswith("arn:") else v.arn("iam", "role", r) for r in roles if isinstance(r, str)]
    return Facts(v.unknown("policy id"), {}, {"role": arns})


def _simple(service: str, kind: str, prop: str, ref: str = "name", arn_attr: str = "Arn") -> Callable[[_View], Facts]:
    def build(v: _View) -> Facts:
        name = v.name(prop)
        arn = v.arn(service, kind, name)
        return Facts(arn if ref == "arn" else name, {arn_attr: arn}, {kind: [arn]})

    return build


def _log_group(v: _View) -> Facts:
    name = v.name("LogGroupName")
    arn = v.arn("logs", "log-group", name)
    # GetAtt Arn of a log group ends in ":*" (CloudFormation's documented return value).
    return Facts(name, {"Arn": f"{arn}:*"}, {"log-group": [arn], "log-stream": [f"{arn}:log-stream:{v.unknown('log stream')}"]})


def _codedeploy_group(v: _View) -> Facts:
    app = v.prop("ApplicationName") or v.unknown("application")
    name = v.name("DeploymentGroupName")
    config = v.prop("DeploymentConfigName") or "CodeDeployDefault.OneAtATime"
    return Facts(name, {}, {
        "deploymentgroup": [v.arn("codedeploy", "deploymentgroup", f"{app}/{name}")],
        "application": [v.arn("codedeploy", "application", app)],
        "deploymentconfig": [v.arn("codedeploy", "deploymentconfig", config)],
    })


def _http_api(v: _View) -> Facts:
    api_id = v.unknown("api id")
    api = v.arn("apigateway", "api", api_id)
    return Facts(api_id, {"ApiId": api_id, "ApiEndpoint": f"https://{api_id}.execute-api.{v.stack.region}.amazonaws.com"},
                 {"apis": [v.arn("apigateway", "apis", "")], "api": [api], "tags": [v.arn("apigateway", "tags", quote(api, safe=""))]})


def _api_stage(v: _View) -> Facts:
    api_id = v.prop("ApiId") or v.unknown("api id")
    name = v.prop("StageName") or v.unknown("stage")
    return Facts(name, {}, {"stages": [v.arn("apigateway", "stages", f"{api_id}/stages")],
                            "stage": [v.arn("apigateway", "stage", f"{api_id}/stages/{name}")]})


def _kms_key(v: _View) -> Facts:
    key_id = v.unknown("key id")
    arn = v.arn("kms", "key", key_id)
    return Facts(key_id, {"Arn": arn, "KeyId": key_id}, {"key": [arn]})


def _kms_alias(v: _View) -> Facts:
    name = v.prop("AliasName") or v.unknown("alias")
    target = v.prop("TargetKeyId") or v.unknown("key")
    key = target if target.startswith("arn:") else v.arn("kms", "key", target)
    return Facts(name, {}, {"alias": [v.arn("kms", "alias", name.removeprefix("alias/"))], "key": [key]})


def _bucket(v: _View) -> Facts:
    name = v.name("BucketName")
    arn = v.arn("s3", "bucket", name)
    return Facts(name, {"Arn": arn, "DomainName": f"{name}.s3.amazonaws.com"}, {"bucket": [arn]})


def _bucket_policy(v: _View) -> Facts:
    bucket = v.prop("Bucket") or v.unknown("bucket")
    return Facts(v.unknown("policy id"), {}, {"bucket": [v.arn("s3", "bucket", bucket)]})


def _topic(v: _View) -> Facts:
    name = v.name("TopicName")
    arn = v.arn("sns", "topic", name)
    return Facts(arn, {"TopicArn": arn, "TopicName": name}, {"topic": [arn]})


def _topic_policy(v: _View) -> Facts:
    topics = v.stack.resolve(v.props.get("Topics") or [])
    return Facts(v.unknown("policy id"), {}, {"topic": [t for t in topics if isinstance(t, str)]})


def _queue(v: _View) -> Facts:
    name = v.name("QueueName")
    arn = v.arn("sqs", "queue", name)
    url = f"https://sqs.{v.stack.region}.amazonaws.com/{v.stack.account}/{name}"
    return Facts(url, {"Arn": arn, "QueueName": name, "QueueUrl": url}, {"queue": [arn]})


def _events_rule(v: _View) -> Facts:
    name = v.name("Name")
    arn = v.arn("events", "rule-on-default-event-bus", name)
    return Facts(name, {"Arn": arn}, {"rule-on-default-event-bus": [arn], "rule-on-custom-event-bus": [arn]})


def _pipeline(v: _View) -> Facts:
    name = v.name("Name")
    arn = v.arn("codepipeline", "pipeline", name)
    return Facts(name, {}, {"pipeline": [arn]})


def _generic(v: _View) -> Facts:
    """A type without a builder: its ARNs are unknown, so what is asked of it cannot be
    proven unless a policy grants the action on every resource."""
    ref = v.unknown("physical id")
    return Facts(ref, {"Arn": v.unknown("Arn")}, {})


_BUILDERS: dict[str, Callable[[_View], Facts]] = {
    "AWS::Lambda::Function": _lambda_function,
    "AWS::Lambda::Version": _lambda_version,
    "AWS::Lambda::Alias": _lambda_alias,
    "AWS::Lambda::Permission": _lambda_permission,
    "AWS::IAM::Role": _iam_role,
    "AWS::IAM::ManagedPolicy": _iam_managed_policy,
    "AWS::IAM::Policy": _iam_policy,
    "AWS::DynamoDB::Table": _simple("dynamodb", "table", "TableName"),
    "AWS::Logs::LogGroup": _log_group,
    "AWS::CloudWatch::Alarm": _simple("cloudwatch", "alarm", "AlarmName"),
    "AWS::CodeDeploy::Application": _simple("codedeploy", "application", "ApplicationName"),
    "AWS::CodeDeploy::DeploymentGroup": _codedeploy_group,
    "AWS::ApiGatewayV2::Api": _http_api,
    "AWS::ApiGatewayV2::Stage": _api_stage,
    "AWS::KMS::Key": _kms_key,
    "AWS::KMS::Alias": _kms_alias,
    "AWS::S3::Bucket": _bucket,
    "AWS::S3::BucketPolicy": _bucket_policy,
    "AWS::SNS::Topic": _topic,
    "AWS::SNS::TopicPolicy": _topic_policy,
    "AWS::SQS::Queue": _queue,
    "AWS::CodeBuild::Project": _simple("codebuild", "project", "Name"),
    "AWS::CodeBuild::ReportGroup": _simple("codebuild", "report-group", "Name", ref="arn"),
    "AWS::CodePipeline::Pipeline": _pipeline,
    "AWS::Events::Rule": _events_rule,
}
