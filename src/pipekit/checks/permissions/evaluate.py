"""IAM policy evaluation for one request, offline and pure.

Follows the IAM User Guide's "Policy evaluation logic" for the policy kinds a
pipekit setup has (no SCPs, RCPs or session policies):
- an explicit Deny in any applicable policy wins;
- within one account, an identity-policy Allow or a resource-policy Allow that names
  the principal grants, except where the resource policy is required (KMS key
  policies, role trust policies): then it must allow, directly or by naming the account;
- across accounts, the identity side and the resource policy must both allow;
- a permissions boundary caps identity grants (and, conservatively here, resource-
  policy grants to the role itself).
Each part is three-valued: what the evaluator cannot decide from the request (an
unknown value, a condition key or operator it does not know) makes the answer
"unprovable", never "allowed"."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence

from pipekit.checks.permissions.conditions import condition_holds
from pipekit.checks.permissions.glob import match
from pipekit.checks.permissions.logic import Tri, all_of, any_of, negate

ALLOWED, DENIED, UNPROVABLE = "allowed", "denied", "unprovable"


@dataclass(frozen=True)
class Principal:
    arn: str  # role ARN, or the service name (e.g. events.amazonaws.com) for a service principal
    account: str = ""  # empty for a service principal

    @property
    def is_service(self) -> bool:
        return not self.arn.startswith("arn:")


@dataclass(frozen=True)
class Policy:
    name: str  # for messages: "orders-cfn-exec" or "ExecutionRole inline deploy-service-change-sets"
    document: Mapping[str, Any]


@dataclass(frozen=True)
class Request:
    principal: Principal
    action: str
    resource: str
    resource_account: str = ""  # empty: the principal's own account
    context: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # lower-case keys
    decided: frozenset[str] = frozenset()  # lower-case keys known absent when not in context


@dataclass(frozen=True)
class Decision:
    outcome: str  # allowed | denied | unprovable
    reason: str = ""  # no-allow | explicit-deny | boundary | resource-policy | undecidable
    detail: str = ""
    reasons: tuple[str, ...] = ()  # every part that denies (each needs its own fix)

    @property
    def allowed(self) -> bool:
        return self.outcome == ALLOWED


def evaluate(
    request: Request,
    identity: Sequence[Policy] = (),
    boundary: Optional[Sequence[Policy]] = None,
    resource_policy: Optional[Policy] = None,
    resource_policy_required: bool = False,
) -> Decision:
    principal = request.principal
    context = _with_globals(request)
    decided = request.decided | set(context)
    deny_notes: list[str] = []
    notes: list[str] = []

    def scan(policies: Sequence[Policy], effect: str, as_resource: bool, how: str = "any") -> Tri:
        results = []
        for policy in policies:
            for sid, statement in _statements(policy):
                if statement.get("Effect") != effect:
                    continue
                applies = _applies(statement, request, context, decided, as_resource, how)
                if applies is not False:
                    into = deny_notes if effect == "Deny" else notes
                    into.append(f"{policy.name} {sid}" + (" (cannot tell whether it applies)" if applies is None else ""))
                results.append(applies)
        return any_of(results)

    resource_policies = [resource_policy] if resource_policy else []
    deny = any_of([scan(identity, "Deny", False), scan(boundary or [], "Deny", False), scan(resource_policies, "Deny", True)])
    if deny is True:
        return Decision(DENIED, "explicit-deny", reasons=("explicit-deny",), detail="denied by " + "; ".join(n for n in deny_notes if "cannot tell" not in n))

    rp_direct = scan(resource_policies, "Allow", True, "direct")
    if principal.is_service:
        allowed, reason = rp_direct, ("resource-policy",)
    else:
        id_allow = scan(identity, "Allow", False)
        b_allow = scan(boundary, "Allow", False) if boundary is not None else True
        cross = bool(request.resource_account) and request.resource_account != principal.account
        if cross:
            rp_any = scan(resource_policies, "Allow", True)
            allowed = all_of([id_allow, b_allow, rp_any])
            reason = _first_false([(id_allow, "no-allow"), (b_allow, "boundary"), (rp_any, "resource-policy")])
        elif resource_policy_required:
            rp_account = scan(resource_policies, "Allow", True, "account")
            granted = any_of([rp_direct, all_of([rp_account, id_allow])])
            allowed = all_of([granted, b_allow])
            reason = _first_false([(any_of([rp_direct, rp_account]), "resource-policy"), (id_allow, "no-allow"), (b_allow, "boundary")])
        else:
            granted = any_of([id_allow, rp_direct])
            allowed = all_of([granted, b_allow])
            reason = _first_false([(granted, "no-allow"), (b_allow, "boundary")])
    if allowed is False:
        return Decision(DENIED, reason[0] if reason else "no-allow", reasons=reason or ("no-allow",))
    if deny is None:
        return Decision(UNPROVABLE, "undecidable", "a Deny may apply: " + "; ".join(deny_notes))
    if allowed is None:
        return Decision(UNPROVABLE, "undecidable", "; ".join(dict.fromkeys(n for n in notes if "cannot tell" in n)))
    return Decision(ALLOWED)


def _first_false(parts: list[tuple[Tri, str]]) -> tuple[str, ...]:
    return tuple(reason for value, reason in parts if value is False)


def _with_globals(request: Request) -> dict[str, tuple[str, ...]]:
    """Global keys every request of a role carries (IAM "AWS global condition context keys")."""
    context = dict(request.context)
    if not request.principal.is_service:
        context.setdefault("aws:principalarn", (request.principal.arn,))
        context.setdefault("aws:principalaccount", (request.principal.account,))
    context.setdefault("aws:securetransport", ("true",))  # AWS SDKs and services call over TLS
    return context


def _statements(policy: Policy):
    statements = policy.document.get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    for index, statement in enumerate(statements):
        yield statement.get("Sid") or f"statement {index + 1}", statement


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _applies(statement: Mapping[str, Any], request: Request, context, decided, as_resource: bool, how: str) -> Tri:
    if "Action" in statement:
        action_ok: Tri = any(match(str(p), request.action, ignore_case=True) for p in _as_list(statement["Action"]))
    elif "NotAction" in statement:
        action_ok = not any(match(str(p), request.action, ignore_case=True) for p in _as_list(statement["NotAction"]))
    else:
        action_ok = False
    if action_ok is False:
        return False
    parts: list[Tri] = []
    if "Resource" in statement:
        parts.append(any_of(match(str(p), request.resource) for p in _as_list(statement["Resource"])))
    elif "NotResource" in statement:
        parts.append(negate(any_of(match(str(p), request.resource) for p in _as_list(statement["NotResource"]))))
    elif not as_resource:
        return False  # an identity statement without Resource is invalid
    if as_resource:
        if "Principal" in statement:
            parts.append(_principal(statement["Principal"], request.principal, how))
        elif "NotPrincipal" in statement:
            parts.append(None if how != "any" else negate(_principal(statement["NotPrincipal"], request.principal, "any")))
        else:
            return False
    if parts and parts[-1] is False:
        return False
    if "Condition" in statement:
        parts.append(condition_holds(statement["Condition"], context, frozenset(decided)))
    return all_of(parts)


def _principal(value: Any, principal: Principal, how: str) -> Tri:
    """Does a resource policy's Principal name this principal? how: "direct" (by its ARN
    or "*"), "account" (by its account: the account's IAM policies then decide), "any"."""
    if value == "*":
        return how in ("direct", "any")
    if not isinstance(value, Mapping):
        return False
    results: list[Tri] = []
    if principal.is_service:
        if how != "account":
            results += [match(str(s), principal.arn) for s in _as_list(value.get("Service", []))]
        return any_of(results)
    for entry in _as_list(value.get("AWS", [])):
        entry = str(entry)
        by_account = entry == principal.account or entry.endswith(f":iam::{principal.account}:root")
        if by_account and how in ("account", "any"):
            results.append(True)
        elif entry == "*" and how in ("direct", "any"):
            results.append(True)
        elif not by_account and how in ("direct", "any"):
            results.append(match(entry, principal.arn))  # Principal takes no wildcards; unknowns may still be equal
    return any_of(results)
