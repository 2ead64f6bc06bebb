"""IAM condition operators, evaluated against what the preflight knows of a request.

A key is either present (with its values), known to be absent, or undecided; an
undecided key, an operator this module does not implement, or a comparison that
depends on an unknown value gives None ("cannot prove"), never True.
Semantics from the IAM User Guide, "IAM JSON policy elements: Condition operators"."""

from __future__ import annotations

import re
from typing import Any, Mapping

from pipekit.checks.permissions.glob import match
from pipekit.checks.permissions.logic import Tri, all_of, any_of, negate
from pipekit.checks.permissions.unknown import UNKNOWN_CHARS

# base operator -> (how one policy value is compared with one request value, negated?)
_STRING = {"stringequals", "stringnotequals", "stringequalsignorecase", "stringnotequalsignorecase",
           "stringlike", "stringnotlike", "arnequals", "arnnotequals", "arnlike", "arnnotlike", "bool"}
_NEGATED = {"stringnotequals", "stringnotequalsignorecase", "stringnotlike", "arnnotequals", "arnnotlike"}


def condition_holds(condition: Mapping[str, Any], context: Mapping[str, tuple[str, ...]], decided: frozenset[str]) -> Tri:
    """A statement's whole Condition block: every operator and key must hold."""
    results = []
    for operator, keys in condition.items():
        if not isinstance(keys, Mapping):
            return None
        for key, wanted in keys.items():
            values = wanted if isinstance(wanted, list) else [wanted]
            results.append(_one(operator, key.lower(), [str(v) if not isinstance(v, bool) else str(v).lower() for v in values], context, decided))
    return all_of(results)


def _one(operator: str, key: str, wanted: list[str], context: Mapping[str, tuple[str, ...]], decided: frozenset[str]) -> Tri:
    op = operator.lower()
    qualifier = ""
    if ":" in op:
        qualifier, op = op.split(":", 1)
        if qualifier not in ("foranyvalue", "forallvalues"):
            return None
    if_exists = op.endswith("ifexists")
    base = op[: -len("ifexists")] if if_exists else op
    if key in context:
        actual = context[key]
    elif key in decided:
        actual = None
    else:
        return None  # the preflight does not know this key for this request
    if base == "null":
        is_null = actual is None
        return any_of(v.lower() == ("true" if is_null else "false") for v in wanted)
    if base not in _STRING:
        return None  # Numeric, Date, IpAddress, Binary: nothing pipekit's policies use
    negated = base in _NEGATED
    if actual is None:
        if if_exists or qualifier == "forallvalues":
            return True
        return True if negated else False
    positive = base.replace("not", "", 1) if negated else base

    def one_value(value: str) -> Tri:
        return any_of(_compare(positive, w, value) for w in wanted)

    if qualifier == "forallvalues":
        result = all_of(one_value(v) for v in actual)
    else:
        result = any_of(one_value(v) for v in actual)
    return negate(result) if negated else result


def _compare(op: str, wanted: str, actual: str) -> Tri:
    if op == "stringequals":
        return _equals(wanted, actual)
    if op == "stringequalsignorecase":
        return _equals(wanted.lower(), actual.lower())
    if op == "bool":
        return _equals(wanted.lower(), actual.lower())
    if op == "stringlike":
        return match(wanted, actual)
    if op in ("arnequals", "arnlike"):
        # Each of the six colon-separated parts is matched on its own, wildcards allowed.
        want_parts, have_parts = wanted.split(":", 5), actual.split(":", 5)
        if len(want_parts) != len(have_parts):
            return False
        return all_of(match(w, h) for w, h in zip(want_parts, have_parts))
    return None


def _equals(wanted: str, actual: str) -> Tri:
    if wanted == actual:
        return True
    if not UNKNOWN_CHARS.search(wanted) and not UNKNOWN_CHARS.search(actual):
        return False
    # Could the unknowns make them equal? Read unknowns as "anything", the rest literally.
    def regex(text: str) -> str:
        return "".join(".*" if UNKNOWN_CHARS.match(c) else re.escape(c) for c in text)

    if re.fullmatch(regex(actual), wanted, re.S) or re.fullmatch(regex(wanted), actual, re.S):
        return None
    return False if not (UNKNOWN_CHARS.search(wanted) and UNKNOWN_CHARS.search(actual)) else None
