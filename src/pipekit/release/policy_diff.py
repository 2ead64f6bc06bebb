"""Statement-level comparison of two IAM policy documents: what access the new one grants
that the old one did not (widened) and what it no longer grants (narrowed).

Pure. A grant is an (action, resource, principal) triple of an Allow statement under its
conditions; the new document widens access where one of its triples is not covered by an
old statement with the same or fewer conditions. Wildcard coverage uses the preflight's
IAM pattern matching (checks/permissions/glob.py): `s3:*` covers `s3:GetObject`, `*`
covers every ARN. A removed Deny widens; an added Deny narrows."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Optional

from pipekit.checks.permissions.glob import match

PUBLIC = "*"


@dataclass(frozen=True)
class Statement:
    sid: str
    effect: str
    actions: tuple[str, ...]  # as written; IAM compares them ignoring case
    not_actions: tuple[str, ...]
    resources: tuple[str, ...]
    not_resources: tuple[str, ...]
    principals: tuple[str, ...]  # "*", "AWS:<arn>", "Service:<name>", "Federated:<...>"; () in identity policies
    not_principals: tuple[str, ...]
    conditions: frozenset[tuple[str, str, tuple[str, ...]]]  # (operator, key, values), operator and key lower-case
    raw: Mapping[str, Any] = field(compare=False, hash=False, default_factory=dict)

    @property
    def negated(self) -> bool:
        return bool(self.not_actions or self.not_resources or self.not_principals)

    @property
    def public(self) -> bool:
        """Anyone may use it: Principal "*" and no condition at all to narrow who."""
        return self.effect == "Allow" and PUBLIC in self.principals and not self.conditions

    def same_grant(self, other: "Statement") -> bool:
        return (self.effect, self.actions, self.not_actions, self.resources, self.not_resources, self.principals,
                self.not_principals, self.conditions) == (other.effect, other.actions, other.not_actions, other.resources,
                                                          other.not_resources, other.principals, other.not_principals, other.conditions)


@dataclass(frozen=True)
class StatementChange:
    """One statement of the new document that grants more (or, narrowed, of the old one
    that grants what the new one does not)."""

    sid: str
    actions: tuple[str, ...] = ()  # actions no old statement allowed at all
    resources: tuple[str, ...] = ()  # resources no old statement named
    principals: tuple[str, ...] = ()  # principals no old statement trusted
    conditions: tuple[str, ...] = ()  # conditions the old statement had that this one lacks
    grants: tuple[str, ...] = ()  # known action/resource/principal, newly combined
    note: str = ""  # Deny removed, NotAction statement...
    statement: Optional[Mapping[str, Any]] = None  # the statement as written

    def describe(self) -> str:
        parts = []
        for label, values in (("actions", self.actions), ("resources", self.resources), ("principals", self.principals),
                              ("without conditions", self.conditions), ("grants", self.grants)):
            if values:
                parts.append(f"{label} {', '.join(values)}")
        if self.note:
            parts.append(self.note)
        return f"{self.sid}: " + "; ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "sid": self.sid, "actions": list(self.actions), "resources": list(self.resources), "principals": list(self.principals),
            "conditions_removed": list(self.conditions), "grants": list(self.grants), "note": self.note, "statement": self.statement,
        }


@dataclass(frozen=True)
class DocumentDiff:
    widened: tuple[StatementChange, ...]
    narrowed: tuple[StatementChange, ...]
    public: tuple[str, ...]  # sids of statements open to anyone that the old document did not have


def statements(document: Optional[Mapping[str, Any]], identity: bool) -> list[Statement]:
    """The document's statements in a comparable form; [] for no document."""
    if not isinstance(document, Mapping):
        return []
    raw = document.get("Statement", [])
    if isinstance(raw, Mapping):
        raw = [raw]
    out = []
    for index, statement in enumerate(raw if isinstance(raw, list) else []):
        if not isinstance(statement, Mapping):
            continue
        sid = str(statement.get("Sid") or f"statement {index + 1}")
        # A resource policy (or trust policy) without Resource governs the resource it is
        # attached to: "" stands for it, and is never shown.
        resources = _values(statement.get("Resource")) or (() if identity or "NotResource" in statement else ("",))
        out.append(Statement(
            sid=sid,
            effect=str(statement.get("Effect", "")),
            actions=_values(statement.get("Action")),
            not_actions=_values(statement.get("NotAction")),
            resources=resources,
            not_resources=_values(statement.get("NotResource")),
            principals=_principals(statement.get("Principal")),
            not_principals=_principals(statement.get("NotPrincipal")),
            conditions=_conditions(statement.get("Condition")),
            raw=statement,
        ))
    return out


def compare(before: Optional[Mapping[str, Any]], after: Optional[Mapping[str, Any]], identity: bool) -> DocumentDiff:
    """How `after` differs from `before` in what it grants."""
    old, new = statements(before, identity), statements(after, identity)
    return DocumentDiff(
        widened=tuple(_widening(old, new)),
        narrowed=tuple(_widening(new, old)),
        public=tuple(s.sid for s in new if s.public and not any(o.public and _covers_all(o, s) for o in old)),
    )


def _widening(old: list[Statement], new: list[Statement]) -> Iterable[StatementChange]:
    """What `new` grants beyond `old`; called the other way round, what it takes away."""
    old_allows = [s for s in old if s.effect == "Allow"]
    for deny in (s for s in old if s.effect == "Deny"):
        if not any(deny.same_grant(s) for s in new):
            yield StatementChange(deny.sid, note="a Deny statement is gone or changed", statement=deny.raw)
    for statement in (s for s in new if s.effect == "Allow"):
        if statement.negated:
            if not any(statement.same_grant(s) for s in old_allows):
                yield StatementChange(statement.sid, note="a NotAction/NotResource/NotPrincipal statement grants all but what it names",
                                      statement=statement.raw)
            continue
        change = _uncovered(statement, old_allows)
        if change:
            yield change


def _uncovered(statement: Statement, old: list[Statement]) -> Optional[StatementChange]:
    triples = [(a, r, p) for a in statement.actions for r in statement.resources for p in (statement.principals or ("",))]
    missing = [t for t in triples if not any(_covers(o, *t) and o.conditions <= statement.conditions for o in old)]
    if not missing:
        return None
    actions = _unique(a for a, _, _ in missing if not any(_action_in(o, a) for o in old))
    resources = _unique(r for _, r, _ in missing if r and not any(_resource_in(o, r) for o in old))
    principals = _unique(p for _, _, p in missing if p and not any(_principal_in(o, p) for o in old))
    conditions: list[str] = []
    grants: list[str] = []
    for a, r, p in missing:
        if a in actions or (r and r in resources) or (p and p in principals):
            continue
        loosened = [o for o in old if _covers(o, a, r, p)]
        if loosened:
            conditions += [_condition_text(c) for o in loosened for c in sorted(o.conditions - statement.conditions)]
        else:
            grants.append(a + (f" on {r}" if r else "") + (f" to {p}" if p else ""))
    return StatementChange(statement.sid, actions, resources, principals, _unique(conditions), _unique(grants), statement=statement.raw)


def _covers_all(old: Statement, new: Statement) -> bool:
    return all(_covers(old, a, r, p) for a in new.actions for r in new.resources for p in (new.principals or ("",)))


def _covers(old: Statement, action: str, resource: str, principal: str) -> bool:
    return _action_in(old, action) and _resource_in(old, resource) and (not principal or _principal_in(old, principal))


def _action_in(old: Statement, action: str) -> bool:
    if old.not_actions:
        return "*" not in action and "?" not in action and not any(match(p, action, ignore_case=True) is True for p in old.not_actions)
    return any(match(p, action, ignore_case=True) is True for p in old.actions)


def _resource_in(old: Statement, resource: str) -> bool:
    if old.not_resources:
        return "*" not in resource and not any(match(p, resource) is True for p in old.not_resources)
    return any(match(p, resource) is True for p in old.resources)


def _principal_in(old: Statement, principal: str) -> bool:
    if old.not_principals:
        return False
    if PUBLIC in old.principals or principal in old.principals:
        return True
    # Trusting an account (its root) lets the account's IAM policies hand the access on to
    # any of its principals: a role of that account is no wider than the account.
    if principal.startswith("AWS:arn:"):
        account = principal.split(":")[5] if principal.count(":") >= 5 else ""
        return f"AWS:arn:aws:iam::{account}:root" in old.principals
    return False


def _values(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(_text(v) for v in (value if isinstance(value, list) else [value]))


def _principals(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if value == PUBLIC:
        return (PUBLIC,)
    if not isinstance(value, Mapping):
        return (_text(value),)
    out = []
    for kind, entries in sorted(value.items()):
        for entry in _values(entries):
            if kind == "AWS" and entry == PUBLIC:
                out.append(PUBLIC)
            elif kind == "AWS" and entry.isdigit() and len(entry) == 12:
                out.append(f"AWS:arn:aws:iam::{entry}:root")  # IAM's own rewrite of a bare account id
            else:
                out.append(f"{kind}:{entry}")
    return tuple(sorted(set(out)))


def _conditions(value: Any) -> frozenset[tuple[str, str, tuple[str, ...]]]:
    if not isinstance(value, Mapping):
        return frozenset()
    out = set()
    for operator, keys in value.items():
        if isinstance(keys, Mapping):
            for key, wanted in keys.items():
                out.add((operator.lower(), key.lower(), tuple(sorted(_values(wanted)))))
    return frozenset(out)


def _condition_text(condition: tuple[str, str, tuple[str, ...]]) -> str:
    operator, key, values = condition
    return f"{operator} {key} {', '.join(values)}"


def _text(value: Any) -> str:
    # An unresolved intrinsic (template fallback) stays comparable as its JSON.
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))
