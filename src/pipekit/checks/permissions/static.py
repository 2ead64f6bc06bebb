"""Checks on the policy text itself: actions that do not exist, statements that scope
an action supporting only "*" to an ARN (IAM never matches them), and IAM's size
limits (inline policies of a role 10,240 characters together, a managed policy 6,144;
IAM does not count white space)."""

from __future__ import annotations

import json
import re
from typing import Any, Iterator, Mapping, Optional

from pipekit.checks.permissions import resources
from pipekit.checks.permissions.evaluate import Policy
from pipekit.checks.permissions.model import SIZE, STAR_ONLY, UNKNOWN_ACTION
from pipekit.checks.permissions.registry import Registry, Where
from pipekit.checks.permissions.unknown import UNKNOWN_CHARS

INLINE_LIMIT = 10_240
MANAGED_LIMIT = 6_144
# An unknown stands for an id or generated name; count it as long as a generated suffix.
_UNKNOWN_LENGTH = 13


def policy_findings(registry: Registry) -> Iterator[tuple[Where, str, str, str, str, Optional[dict]]]:
    """(where, rule, principal or policy, action, message, fix)"""
    for role in registry.roles.values():
        for policy in role.inline:
            yield from _statements(role.where, role.arn, policy)
        if role.trust is not None:
            yield from _statements(role.where, role.arn, role.trust, actions_only=True)
        inline = sum(size(p.document) for p in role.inline)
        if inline > INLINE_LIMIT:
            yield (role.where, SIZE, role.arn, "", f"inline policies of {role.arn} total {inline} characters; IAM allows {INLINE_LIMIT}", None)
    for arn, (policy, where) in registry.managed.items():
        yield from _statements(where, arn, policy)
        length = size(policy.document)
        if length > MANAGED_LIMIT:
            yield (where, SIZE, arn, "", f"managed policy {arn} is {length} characters; IAM allows {MANAGED_LIMIT}", None)
    for _, (policy, where, _account) in registry.resource_policies.items():
        yield from _statements(where, policy.name, policy, actions_only=True)


def size(document: Mapping[str, Any]) -> int:
    text = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    text = UNKNOWN_CHARS.sub("x" * _UNKNOWN_LENGTH, text)
    return len(re.sub(r"\s", "", text))


def _statements(where: Where, owner: str, policy: Policy, actions_only: bool = False):
    statements = policy.document.get("Statement") or []
    for index, statement in enumerate(statements if isinstance(statements, list) else [statements]):
        sid = statement.get("Sid") or f"statement {index + 1}"
        actions = statement.get("Action", statement.get("NotAction", []))
        actions = actions if isinstance(actions, list) else [actions]
        targets = statement.get("Resource", [])
        targets = targets if isinstance(targets, list) else [targets]
        for action in map(str, actions):
            if action == "*":
                continue
            if not resources.service_known(action) or not resources.exists(action):
                yield (where, UNKNOWN_ACTION, owner, action, f"{policy.name} {sid}: {action} is not an IAM action", None)
                continue
            if actions_only or "*" in action or not resources.star_only(action):
                continue
            scoped = [str(t) for t in targets if str(t) != "*"]
            if scoped and statement.get("Effect") == "Allow":
                fix = {"Effect": "Allow", "Action": action, "Resource": "*"}
                yield (where, STAR_ONLY, owner, action,
                       f"{policy.name} {sid}: {action} supports only \"*\" as its resource, so the grant on "
                       f"{', '.join(scoped)} never matches", fix)
