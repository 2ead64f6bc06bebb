"""What CloudFormation's resource handlers will ask for a resource: the permissions of
its type's create, update, delete and read handlers (from the resource provider
schemas cfn-lint ships), less the property-conditional ones (conditional.py) whose
property the resource does not set; the schema's tagging permissions when the resource
carries tags; and the calls AWS documents for a property set (conditional.DOCUMENTED)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Mapping

from pipekit.checks.permissions.conditional import DOCUMENTED, RULES, Rule

OPERATIONS = ("create", "update", "delete", "read")
TAGGING = ("create", "update")  # CloudFormation applies and changes tags as it creates and updates


@dataclass(frozen=True)
class Asked:
    action: str
    operations: tuple[str, ...]
    on: str = ""  # see conditional.py; "" = the resource itself
    context: tuple[tuple[str, str], ...] = ()
    why: str = ""


@lru_cache(maxsize=None)
def handler_permissions(region: str, resource_type: str) -> dict[str, tuple[str, ...]]:
    """action -> the handler operations that call it; {} for a type without a schema."""
    from pipekit.checks.permissions.cfnlint_data import resource_schema  # not cfn-lint's manager: see there

    schema = resource_schema(region, resource_type)
    if schema is None:
        return {}
    found: dict[str, list[str]] = {}
    for operation in OPERATIONS:
        for action in (schema.get("handlers") or {}).get(operation, {}).get("permissions", []):
            found.setdefault(action, []).append(operation)
    return {action: tuple(ops) for action, ops in found.items()}


def is_set(resource: Mapping[str, Any], path: str) -> bool:
    value: Any = resource
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return False
        value = value[part]
    return value not in (None, False, "", [], {})


def asked(region: str, resource_type: str, resource: Mapping[str, Any], stack_tagged: bool = False) -> list[Asked]:
    permissions = handler_permissions(region, resource_type)
    rules: dict[str, Rule] = {}
    for rule in RULES.get(resource_type, []):
        for action in rule.actions:
            rules[action.lower()] = rule
    result = []
    for action, operations in permissions.items():
        rule = rules.get(action.lower())
        if rule is None:
            result.append(Asked(action, operations))
        elif not rule.when or any(is_set(resource, path) for path in rule.when):
            result.append(Asked(action, operations, rule.on, rule.context, rule.why))
    known = {a.lower() for a in permissions}
    for action in tagging_permissions(region, resource_type, resource, stack_tagged):
        if action.lower() not in known:
            known.add(action.lower())
            result.append(Asked(action, TAGGING, why="its tags"))
    for rule in DOCUMENTED.get(resource_type, []):
        if any(is_set(resource, path) for path in rule.when):
            result += [Asked(action, ("create", "update", "delete"), rule.on, rule.context, rule.why) for action in rule.actions]
    return result


@lru_cache(maxsize=None)
def _tagging(region: str, resource_type: str) -> tuple[tuple[str, ...], str, bool]:
    """(the schema's tagging permissions, the tag property as a path, whether CloudFormation
    adds its aws:cloudformation:* tags); no permissions for a type that takes no tags."""
    from pipekit.checks.permissions.cfnlint_data import resource_schema

    tagging = (resource_schema(region, resource_type) or {}).get("tagging") or {}
    if not tagging.get("taggable"):
        return (), "", False
    path = ".".join(part[:1].upper() + part[1:] for part in str(tagging.get("tagProperty") or "").strip("/").split("/") if part)
    return tuple(tagging.get("permissions") or ()), path, bool(tagging.get("cloudFormationSystemTags"))


def tagging_permissions(region: str, resource_type: str, resource: Mapping[str, Any], stack_tagged: bool) -> tuple[str, ...]:
    """A resource that carries tags (its own, the stack's propagated to it, or CloudFormation's
    system tags) is tagged by CloudFormation with its caller's permissions: the schema's
    tagging.permissions. Without them a stack operation fails ("Encountered a permissions
    error performing a tagging operation"; AWS re:Post, "How do I resolve the tagging
    permission error in my CloudFormation stack?":
    https://repost.aws/knowledge-center/cloudformation-tagging-permission-error)."""
    permissions, tag_property, system_tags = _tagging(region, resource_type)
    if stack_tagged or system_tags or (tag_property and is_set(resource, tag_property)):
        return permissions
    return ()


def read_asks(region: str, resource_type: str, resource: Mapping[str, Any]) -> list[Asked]:
    """What reading the resource asks (its read handler), as drift detection does with
    the caller's own permissions."""
    return [replace(a, operations=("read",)) for a in asked(region, resource_type, resource) if "read" in a.operations]


def via_service(resource_type: str, region: str) -> str:
    """kms:ViaService of a KMS call a resource's service makes for its caller
    (AWS::Lambda::Function -> lambda.<region>.amazonaws.com)."""
    return f"{resource_type.split('::')[1].lower()}.{region}.amazonaws.com"
