"""What CloudFormation asks of the execution role: for every resource of the service
stack (after the SAM transform), every permission its handlers need, the tagging of the
stack's tags it propagates, and what AWS documents for the properties set (required.py),
on that resource's ARN (arns.py) or on the resource a rule names (conditional.py)."""

from __future__ import annotations

import re
from typing import Any, Callable, Iterator, Mapping

from pipekit.checks.permissions import resources
from pipekit.checks.permissions import service_data as data
from pipekit.checks.permissions.arns import facts
from pipekit.checks.permissions.asks import UNDECIDED, need
from pipekit.checks.permissions.intrinsics import Stack
from pipekit.checks.permissions.model import Need
from pipekit.checks.permissions.required import Asked, asked, read_asks, via_service
from pipekit.checks.permissions.unknown import unknown
from pipekit.project.drift_reads import DETECT_CALLS, STATUS_CALLS
from pipekit.project.layout import Stage, stack_tags


def execution_role_needs(stage: Stage, stack: Stack) -> Iterator[Need]:
    tagged = bool(stack_tags(stage))  # the pipeline deploys the stack with its tags

    def asks(region: str, kind: str, resource: Mapping[str, Any]) -> list[Asked]:
        return asked(region, kind, resource, stack_tagged=tagged)

    return _handler_needs(stack, stage.target.exec_role_arn, asks, "CloudFormation")


def drift_needs(stage: Stage, stack: Stack) -> Iterator[Need]:
    """The review role detects drift on the service stack: the drift calls, and every
    resource read with the role's own permissions (the read handlers)."""
    role = stage.target.review_role_arn
    arn = f"arn:{stack.partition}:cloudformation:{stack.region}:{stage.target.id}:stack/{stage.stack}/{unknown(f'{stage.stack} stack id')}"
    why = f"the review detects drift on {stage.stack}"
    for call in (*DETECT_CALLS, *data.REVIEW_DRIFT_CALLS):
        yield need(role, call, arn, why)
    for call in STATUS_CALLS:
        yield need(role, call, "*", why)
    yield from _handler_needs(stack, role, read_asks, "drift detection", via=True)


def _handler_needs(stack: Stack, principal: str, asks: Callable[..., list[Asked]], who: str, via: bool = False) -> Iterator[Need]:
    for logical_id, resource in stack.resources.items():
        if not isinstance(resource, Mapping) or stack.exists(logical_id) is False:
            continue
        kind = str(resource.get("Type"))
        for item in asks(stack.region, kind, resource):
            types = resources.resource_types(item.action)
            if types is None:
                continue  # not an IAM action (handler schemas carry a few such entries)
            why = f"{who} ({'/'.join(item.operations)}) of {logical_id} ({kind}) in stack {stack.name}"
            if item.why:
                why += f", for {item.why}"
            context: dict[str, object] = dict(item.context)
            boundary = None
            if kind == "AWS::IAM::Role" and item.action.lower().startswith("iam:"):
                value = stack.resolve((resource.get("Properties") or {}).get("PermissionsBoundary"))
                boundary = value if isinstance(value, str) else None
            if item.action.lower().startswith("kms:"):
                # A handler or the service may call KMS; a caller's read goes through the service.
                context["kms:viaservice"] = via_service(kind, stack.region) if via else UNDECIDED
            fix_condition = {"StringEquals": dict(item.context)} if item.context else None
            for target in _targets(stack, logical_id, resource, item, types):
                yield need(principal, item.action, target, why, context, boundary, fix_condition)


def _targets(stack: Stack, logical_id: str, resource: Mapping[str, Any], item: Asked, types: list[str]) -> list[str]:
    if not types:
        return ["*"]  # the action supports only "*"
    if item.on.startswith("ref:"):
        raw = _at(resource, item.on[4:])
        target = _referenced(raw)
        if target and target in stack.resources:
            arns = [a for t in types for a in facts(stack, target).arns.get(t, [])]
            if arns:
                return arns
        return [unknown(f"{stack.name}: {item.on} of {logical_id}")]
    if item.on.startswith("s3:"):
        path = re.sub(r"\{([^}]+)\}", lambda m: stack.text(_at(resource, m.group(1))), item.on[3:])
        return [f"arn:{stack.partition}:s3:::{path}"]
    if item.on:
        value = stack.text(_at(resource, item.on))
        return [value]
    arns = [a for t in types for a in facts(stack, logical_id).arns.get(t, [])]
    return arns or [unknown(f"{stack.name}: {logical_id} as {'/'.join(types)}")]


def _at(resource: Mapping[str, Any], path: str) -> Any:
    value: Any = resource
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _referenced(raw: Any) -> str:
    if isinstance(raw, Mapping):
        if "Ref" in raw:
            return str(raw["Ref"])
        if "Fn::GetAtt" in raw:
            target = raw["Fn::GetAtt"]
            return str(target[0] if isinstance(target, list) else str(target).split(".")[0])
    return ""
