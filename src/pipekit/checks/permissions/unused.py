"""Grants nothing asks for, in the policies whose every use the preflight knows: the
managed policies for people, used only by pipekit's commands (chain_people.py), and the
execution role's, used only by CloudFormation on the service stack (chain_cfn.py). A
granted action none of their users is asked for, in any account the template goes to,
is a finding on the policy."""

from __future__ import annotations

from typing import Iterable, Iterator, Mapping

from pipekit.checks.permissions.chain_people import HOLDER
from pipekit.checks.permissions.glob import match
from pipekit.checks.permissions.model import Need
from pipekit.checks.permissions.registry import Where
from pipekit.checks.permissions.stacks import Project

FOR_PEOPLE = "which none of the pipekit commands it is for calls"
FOR_EXECUTION = "which nothing in the service stack asks of the execution role"


def unused_grants(project: Project, asked: Iterable[Need]) -> Iterator[tuple[Where, str, str, str]]:
    """(where, policy, action, why unused) for each action such a policy allows that none
    of its users is asked for."""
    users = _users(project)
    by_policy: dict[Where, tuple[str, set[str]]] = {}
    for why, wheres in users.values():
        for where in wheres:
            by_policy.setdefault(where, (why, set()))
    for item in asked:
        for where in users.get(item.principal, ("", []))[1]:
            by_policy[where][1].add(item.action.lower())
    policies = {where: policy for policy, where in project.registry.managed.values()}
    for where, (why, actions) in by_policy.items():
        for statement in _statements(policies[where].document):
            if statement.get("Effect") != "Allow":
                continue
            granted = statement.get("Action") or []
            for pattern in [granted] if isinstance(granted, str) else granted:
                if not any(match(str(pattern), action, ignore_case=True) for action in actions):
                    yield where, policies[where].name, str(pattern), why


def _users(project: Project) -> dict[str, tuple[str, list[Where]]]:
    """principal ARN -> (why a grant it is not asked for is unused, its policies checked).
    The execution roles only when the service stacks were loaded: without their asks
    nothing is proven unused."""
    execution = {stage.target.exec_role_arn for stage, _ in project.services}
    found: dict[str, tuple[str, list[Where]]] = {}
    for arn, role in project.registry.roles.items():
        if HOLDER in arn:
            found[arn] = (FOR_PEOPLE, [role.where])
        elif arn in execution:
            wheres = [project.registry.where_managed(policy) for policy in role.managed]
            found[arn] = (FOR_EXECUTION, [w for w in wheres if w is not None])
    return found


def _statements(document: Mapping) -> list:
    statements = document.get("Statement") or []
    return [statements] if isinstance(statements, Mapping) else list(statements)
