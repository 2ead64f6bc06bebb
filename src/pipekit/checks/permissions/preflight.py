"""The permission preflight: every request each principal along pipekit's chain will
make (chain_*.py), evaluated with IAM's rules (evaluate.py) against the policies in
the rendered templates, plus checks on the policy text (static.py).

Input: the parsed templates {relative path: template} (intrinsics in long form; with
cfn-lint's decoder the findings carry line numbers) and the config."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Optional

from pipekit.checks.permissions import evaluate as ev
from pipekit.checks.permissions.asks import implied_kms
from pipekit.checks.permissions.chain_cfn import drift_needs, execution_role_needs
from pipekit.checks.permissions.chain_delivery import access_log_needs
from pipekit.checks.permissions.chain_people import people_needs
from pipekit.checks.permissions.chain_pipeline import codebuild_needs, event_needs, pipeline_needs, review_function_needs, review_needs
from pipekit.checks.permissions.chain_service import boundary_needs, log_group_key_needs, service_role_needs
from pipekit.checks.permissions.model import DENIED, UNPROVABLE, UNUSED, Need, PermissionFinding
from pipekit.checks.permissions.registry import Registry, Where, bucket_of, undecidable_policy
from pipekit.checks.permissions.stacks import Project, load
from pipekit.checks.permissions.static import policy_findings
from pipekit.checks.permissions.unknown import as_pattern, show
from pipekit.checks.permissions.unused import unused_grants
from pipekit.project import names

if TYPE_CHECKING:
    from pipekit.config.models import Config


def preflight(templates: Mapping[str, Any], cfg: Config) -> list[PermissionFinding]:
    project = load(templates, cfg)
    findings: dict[tuple, PermissionFinding] = {}
    for problem in project.problems:
        f = PermissionFinding(names.SERVICE_TEMPLATE, None, UNPROVABLE, problem, "", "", "")
        findings[(f.rule, f.message)] = f
    asked = needs(project)
    for need in asked:
        for finding in judge(project, need):
            findings.setdefault((finding.rule, finding.principal, finding.action, finding.resource, finding.file), finding)
    for where, policy, action, unused in unused_grants(project, asked):
        message = f"managed policy {policy} allows {action}, {unused}: take it out"
        findings.setdefault((UNUSED, where, action), PermissionFinding(where.file, _line(templates, where), UNUSED, message, policy, action, ""))
    for where, rule, owner, action, message, fix in policy_findings(project.registry):
        f = PermissionFinding(where.file, _line(templates, where), rule, message, owner, action, "", _json(fix))
        findings.setdefault((rule, where, action, message), f)
    return sorted(findings.values(), key=lambda f: (f.file, f.line or 0, f.rule, f.principal, f.action, f.resource))


def needs(project: Project) -> list[Need]:
    found: list[Need] = []
    transforms: tuple[str, ...] = ()
    if project.service_template is not None:
        transforms = _transforms(project.templates.get(names.SERVICE_TEMPLATE) or {})
    if project.pipeline is not None:
        found += pipeline_needs(project.pipeline, transforms)
        found += codebuild_needs(project.pipeline)
        found += review_function_needs(project.pipeline)
        found += event_needs(project.pipeline)
        found += log_group_key_needs(project.pipeline)
    for _, stack in project.registry.stacks:
        found += access_log_needs(stack)
    found += people_needs(project)
    for stage, stack in project.services:
        found += execution_role_needs(stage, stack)
        found += service_role_needs(stack)
        found += log_group_key_needs(stack)
        found += boundary_needs(stack, project.registry)
        if stage.approval_action:
            found += review_needs(stack, stage.target.review_role_arn, stage.stack, stage.target.id)
            found += drift_needs(stage, stack)
    implied = []
    for need in found:
        key, account = _sse_key(project, need.resource)
        implied += implied_kms(need, key, project.cfg.region, _account_of(project.registry, need.principal) or account)
    return list(dict.fromkeys(found + implied))


def judge(project: Project, need: Need) -> list[PermissionFinding]:
    registry = project.registry
    service = not need.principal.startswith("arn:")
    role = registry.roles.get(need.principal)
    if role is None and not service:
        message = f"{need.principal} is not declared in the rendered templates, so what it may do cannot be proven ({need.why})"
        return [PermissionFinding("", None, UNPROVABLE, message, need.principal, need.action, show(need.resource))]
    principal = ev.Principal(need.principal, "" if service else role.account)
    resource_policy, required, owner_where, resource_account = _resource_side(project, need)
    request = ev.Request(principal, need.action, need.resource, resource_account, dict(need.context), need.decided)
    decision = ev.evaluate(request, registry.identity(role) if role else [], registry.boundary(role) if role else None,
                           resource_policy, required)
    if decision.allowed:
        return []
    what = f"{need.action} on {show(need.resource)}"
    if decision.outcome == ev.UNPROVABLE:
        where = _where_for(registry, role, decision.reason, owner_where)
        message = f"cannot prove that {_short(need.principal)} may {what} ({need.why}): {decision.detail}"
        return [PermissionFinding(where.file, _line(project.templates, where), UNPROVABLE, message, need.principal, need.action, show(need.resource))]
    reasons = {
        "no-allow": "no policy of the principal allows it",
        "explicit-deny": decision.detail or "an explicit Deny",
        "boundary": "its permissions boundary does not allow it",
        "resource-policy": "the resource's policy does not allow this principal",
    }
    found = []
    for reason in decision.reasons:
        where = _where_for(registry, role, reason, owner_where)
        message = f"{_short(need.principal)} cannot {what} ({need.why}): {reasons.get(reason, reason)}"
        fix = None if reason == "explicit-deny" else _fix(need, reason)
        found.append(PermissionFinding(where.file, _line(project.templates, where), DENIED, message, need.principal, need.action,
                                       show(need.resource), _json(fix)))
    return found


def _resource_side(project: Project, need: Need) -> tuple[Optional[ev.Policy], bool, Optional[Where], str]:
    registry, resource = project.registry, need.resource
    if need.action.lower() == "sts:assumerole" and ":role/" in resource:
        target = registry.roles.get(resource)
        if target is None:
            return undecidable_policy(f"trust policy of {resource}"), True, None, _arn_account(resource)
        return target.trust, True, target.where, target.account
    bucket = bucket_of(resource)
    if bucket is not None:
        entry = registry.resource_policies.get(bucket)
        owner = _bucket_owner(project, bucket)
        return (entry[0] if entry else None), False, (entry[1] if entry else None), owner
    entry = registry.resource_policies.get(resource)
    if ":kms:" in resource and ":key/" in resource:
        if entry is None:
            return undecidable_policy(f"key policy of {resource}"), True, None, _arn_account(resource)
        return entry[0], True, entry[1], entry[2]
    if entry is not None:
        return entry[0], False, entry[1], entry[2]
    return None, False, None, _arn_account(resource)


def _bucket_owner(project: Project, bucket: str) -> str:
    for _, stack in project.registry.stacks:
        for logical_id, resource in stack.resources.items():
            if isinstance(resource, Mapping) and resource.get("Type") == "AWS::S3::Bucket":
                if stack.text((resource.get("Properties") or {}).get("BucketName")) == bucket:
                    return stack.account
    return ""


def _sse_key(project: Project, resource: str) -> tuple[Optional[str], str]:
    """The customer managed key that encrypts a bucket's objects or a topic."""
    bucket = bucket_of(resource)
    for _, stack in project.registry.stacks:
        for resource_def in stack.resources.values():
            if not isinstance(resource_def, Mapping):
                continue
            kind, props = resource_def.get("Type"), resource_def.get("Properties") or {}
            if bucket and kind == "AWS::S3::Bucket" and stack.text(props.get("BucketName")) == bucket:
                rules = stack.resolve(props.get("BucketEncryption") or {}).get("ServerSideEncryptionConfiguration") or []
                for rule in rules:
                    key = (rule.get("ServerSideEncryptionByDefault") or {}).get("KMSMasterKeyID")
                    if key:
                        return str(key), stack.account
            if kind == "AWS::SNS::Topic" and ":sns:" in resource and props.get("KmsMasterKeyId"):
                topic = stack.text(props.get("TopicName"))
                if resource.endswith(f":{topic}") and resource.split(":")[4] == stack.account:
                    return stack.text(props["KmsMasterKeyId"]), stack.account
    return None, ""


def _where_for(registry: Registry, role, reason: str, owner: Optional[Where]) -> Where:
    if reason == "resource-policy" and owner is not None:
        return owner
    if reason == "boundary" and role is not None and role.boundary:
        return registry.where_managed(role.boundary) or role.where
    if role is None:
        return owner or Where("", "")
    # The fix goes where the role's permissions are written: its managed policy from the
    # same template when it has no inline policy.
    if not role.inline:
        for arn in role.managed:
            where = registry.where_managed(arn)
            if where is not None and where.file == role.where.file:
                return where
    return role.where


def _fix(need: Need, reason: str) -> dict:
    statement: dict[str, Any] = {"Effect": "Allow"}
    if reason == "resource-policy":
        key = "Service" if not need.principal.startswith("arn:") else "AWS"
        statement["Principal"] = {key: need.principal}
    statement["Action"] = need.action
    statement["Resource"] = "*" if reason == "resource-policy" and ":kms:" in need.resource else as_pattern(need.resource)
    if need.fix_condition:
        statement["Condition"] = need.fix_condition
    return statement


def _line(templates: Mapping[str, Any], where: Where) -> Optional[int]:
    """The line of the resource's logical id (cfn-lint's decoder marks each key)."""
    resources = (templates.get(where.file) or {}).get("Resources") or {}
    logical_id = where.logical_id
    if logical_id not in resources:  # a role SAM made from a function: point at the function
        candidates = [k for k in resources if logical_id.startswith(k)]
        logical_id = max(candidates, key=len) if candidates else ""
    for key in resources:
        if key == logical_id:
            mark = getattr(key, "start_mark", None) or getattr(resources[key], "start_mark", None)
            return mark.line + 1 if mark is not None else None
    return None


def _transforms(template: Mapping[str, Any]) -> tuple[str, ...]:
    """The template's transforms (a name, or a list of them), as their ARNs end."""
    transform = template.get("Transform") or []
    return tuple(str(t).removeprefix("AWS::") for t in (transform if isinstance(transform, list) else [transform]))


def _account_of(registry: Registry, principal: str) -> str:
    role = registry.roles.get(principal)
    return role.account if role else ""


def _arn_account(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 and parts[4].isdigit() else ""


def _short(principal: str) -> str:
    return show(principal)


def _json(value: Optional[dict]) -> Optional[str]:
    return json.dumps(value, sort_keys=False) if value else None


def summary(findings: Iterable[PermissionFinding]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for finding in findings:
        counts[finding.rule] = counts.get(finding.rule, 0) + 1
    return counts
