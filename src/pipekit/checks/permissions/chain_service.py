"""What the service's own roles are asked once it runs: each function's role writes its
logs and decrypts its environment; CloudWatch Logs uses the key of encrypted log groups; the traffic hooks report to CodeDeploy, invoke the
new version and read the alarms (service_data.HOOK_CALLS, from their code); CodeDeploy's
role shifts the alias and invokes the hooks. And whatever a role's own policies grant
is meant to work, so its permissions boundary must allow it too."""

from __future__ import annotations

import json
from typing import Any, Iterator, Mapping, Optional

from pipekit.checks.permissions import resources
from pipekit.checks.permissions import service_data as data
from pipekit.checks.permissions.arns import facts
from pipekit.checks.permissions.asks import need
from pipekit.checks.permissions.evaluate import Policy
from pipekit.checks.permissions.intrinsics import Stack
from pipekit.checks.permissions.model import Need
from pipekit.checks.permissions.registry import Registry
from pipekit.checks.permissions.unknown import unknown


def service_role_needs(stack: Stack) -> Iterator[Need]:
    functions = {}  # function name -> (logical id, resolved properties)
    for logical_id, resource in _of_type(stack, "AWS::Lambda::Function"):
        props = stack.resolve(resource.get("Properties") or {})
        functions[facts(stack, logical_id).ref] = (logical_id, props)
        yield from function_needs(stack, logical_id, props)
    for logical_id, resource in _of_type(stack, "AWS::Lambda::Alias"):
        update = ((resource.get("UpdatePolicy") or {}).get("CodeDeployLambdaAliasUpdate"))
        if isinstance(update, Mapping):
            yield from _deployment(stack, logical_id, stack.resolve(update), update, functions)


def function_needs(stack: Stack, logical_id: str, props: Mapping[str, Any]) -> Iterator[Need]:
    """What any function's role is asked by Lambda itself: its logs, its environment's key."""
    role = str(props.get("Role"))
    name = facts(stack, logical_id).ref
    group = (props.get("LoggingConfig") or {}).get("LogGroup") or f"/aws/lambda/{name}"
    stream = f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:log-group:{group}:log-stream:{unknown(f'{name} log stream')}"
    why = f"function {logical_id} in stack {stack.name}"
    for call in data.FUNCTION_LOG_CALLS:
        yield need(role, call, stream, why + " writes its logs")
    if props.get("KmsKeyArn") and (props.get("Environment") or {}).get("Variables"):
        yield need(role, "kms:Decrypt", str(props["KmsKeyArn"]), why + " decrypts its environment",
                   {"kms:viaservice": f"lambda.{stack.region}.amazonaws.com"})


def log_group_key_needs(stack: Stack) -> Iterator[Need]:
    """A log group encrypted with a customer managed key: CloudWatch Logs itself must be
    let use the key for that group, or creating the group fails."""
    for logical_id, resource in _of_type(stack, "AWS::Logs::LogGroup"):
        props = stack.resolve(resource.get("Properties") or {})
        if not props.get("KmsKeyId"):
            continue
        group = f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:log-group:{props.get('LogGroupName') or unknown(logical_id)}"
        why = f"log group {logical_id} in stack {stack.name} is encrypted with this key"
        for call in data.LOG_GROUP_KMS_CALLS:
            yield need(f"logs.{stack.region}.amazonaws.com", call, str(props["KmsKeyId"]), why,
                       {"kms:encryptioncontext:aws:logs:arn": group, "aws:sourceaccount": stack.account})


def _deployment(stack: Stack, alias_id: str, update: Mapping[str, Any], raw: Mapping[str, Any], functions: dict) -> Iterator[Need]:
    group_id = _ref(raw.get("DeploymentGroupName"))
    if group_id not in stack.resources:
        return
    group = facts(stack, group_id)
    group_arn = group.arns["deploymentgroup"][0]
    group_props = stack.resolve(stack.resources[group_id].get("Properties") or {})
    code_deploy_role = str(group_props.get("ServiceRoleArn"))
    alias_arn = facts(stack, alias_id).ref
    why = f"CodeDeploy shifts {alias_id} in stack {stack.name}"
    for call in data.CODEDEPLOY_LAMBDA_CALLS:
        yield need(code_deploy_role, call, alias_arn, why)
    alarms = [a.get("Name") for a in ((group_props.get("AlarmConfiguration") or {}).get("Alarms") or [])]
    for alarm in alarms:
        yield need(code_deploy_role, "cloudwatch:DescribeAlarms", _alarm(stack, str(alarm)), why + " watching its alarms")
    for key in ("BeforeAllowTrafficHook", "AfterAllowTrafficHook"):
        hook = update.get(key)
        if not isinstance(hook, str) or hook not in functions:
            continue
        hook_id, props = functions[hook]
        yield need(code_deploy_role, "lambda:InvokeFunction", facts(stack, hook_id).attrs["Arn"], why + f" runs the hook {hook_id}")
        module = str(props.get("Handler", "")).split(".")[0]
        variables = (props.get("Environment") or {}).get("Variables") or {}
        hook_why = f"hook {hook_id} ({module}) of {alias_id} in stack {stack.name}"
        for call in data.HOOK_CALLS.get(module, ()):
            for target in _hook_targets(stack, call, group_arn, variables):
                yield need(str(props.get("Role")), call, target, hook_why)


def _hook_targets(stack: Stack, call: str, group_arn: str, variables: Mapping[str, Any]) -> list[str]:
    if resources.star_only(call):
        return ["*"]
    if call.startswith("codedeploy:"):
        return [group_arn]
    if call == "lambda:InvokeFunction":
        return [str(variables.get("TARGET_VERSION_ARN"))]
    if call == "cloudwatch:DescribeAlarms":
        try:
            names = json.loads(str(variables.get("ALARM_NAMES") or "[]"))
        except ValueError:
            return [unknown(f"{stack.name} hook alarms")]
        return [_alarm(stack, str(n)) for n in names]
    return ["*"]  # e.g. GetMetricData: not about any one resource


def _alarm(stack: Stack, name: str) -> str:
    return resources.arn("cloudwatch", "alarm", name, stack.partition, stack.region, stack.account) or unknown(name)


def boundary_needs(stack: Stack, registry: Registry) -> Iterator[Need]:
    """Every Allow a bounded role's own (inline) policies grant, as a request: the
    boundary must allow it too, or the grant is dead and the call fails."""
    for logical_id, _ in _of_type(stack, "AWS::IAM::Role"):
        role = registry.roles.get(facts(stack, logical_id).attrs["Arn"])
        if role is None or role.boundary is None:
            continue
        for policy in role.inline:
            yield from _granted(role.arn, policy, f"granted to {logical_id} by its own policy")


def _granted(principal: str, policy: Policy, why: str) -> Iterator[Need]:
    statements = policy.document.get("Statement") or []
    for statement in statements if isinstance(statements, list) else [statements]:
        if statement.get("Effect") != "Allow" or "Condition" in statement or "Action" not in statement:
            continue
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        targets = statement.get("Resource", [])
        targets = targets if isinstance(targets, list) else [targets]
        for pattern in actions:
            for action in (resources.actions_matching(str(pattern)) if "*" in str(pattern) else [str(pattern)]):
                star = resources.star_only(action)
                for target in targets:
                    target = str(target)
                    if star != (target == "*"):
                        continue  # a grant that cannot match (reported as STAR-ONLY) or an over-broad one
                    yield need(principal, action, target.replace("*", unknown("any")) if target != "*" else "*", why)


def _of_type(stack: Stack, kind: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for logical_id, resource in stack.resources.items():
        if isinstance(resource, Mapping) and resource.get("Type") == kind and stack.exists(logical_id) is not False:
            yield logical_id, resource


def _ref(raw: Any) -> Optional[str]:
    return str(raw["Ref"]) if isinstance(raw, Mapping) and "Ref" in raw else None
