"""Building Needs with the request context AWS would attach, and the KMS requests an
S3 or SNS request implies when the data is encrypted with a customer managed key."""

from __future__ import annotations

from typing import Iterable, Mapping, Optional

from pipekit.checks.permissions.model import Need
from pipekit.checks.permissions.service_data import (
    KMS_FOR_S3_READ, KMS_FOR_S3_WRITE, KMS_FOR_SNS_PUBLISH, PERMISSIONS_BOUNDARY_ACTIONS,
)

UNDECIDED = object()  # a key whose presence the preflight cannot know for this request


def need(
    principal: str,
    action: str,
    resource: str,
    why: str,
    context: Optional[Mapping[str, object]] = None,
    boundary_of_target: Optional[str] = None,
    fix_condition: Optional[dict] = None,
) -> Need:
    """context: condition key -> value (str or tuple), None for "absent", UNDECIDED."""
    keys: dict[str, object] = {
        "aws:sourceaccount": None, "aws:sourcearn": None, "aws:calledvia": None,
        "iam:passedtoservice": None, "kms:viaservice": None,
    }
    lowered = action.lower()
    if lowered.startswith("iam:"):
        if lowered in PERMISSIONS_BOUNDARY_ACTIONS:
            keys["iam:permissionsboundary"] = boundary_of_target
        # other IAM actions: iam:PermissionsBoundary stays undecided
    else:
        keys["iam:permissionsboundary"] = None
    for key, value in (context or {}).items():
        keys[key.lower()] = value
    present = {k: (v if isinstance(v, tuple) else (v,)) for k, v in keys.items() if v is not None and v is not UNDECIDED}
    decided = frozenset(k for k, v in keys.items() if v is not UNDECIDED)
    return Need(principal, action, resource, why, tuple(sorted(present.items())), decided, fix_condition)


def implied_kms(base: Need, key_arn: Optional[str], region: str, account: str) -> Iterable[Need]:
    """SSE-KMS: reading an object needs kms:Decrypt, writing kms:GenerateDataKey, publishing
    to an encrypted topic both; each made by S3 or SNS on the caller's behalf."""
    if not key_arn:
        return []
    action = base.action.lower()
    if action in ("s3:getobject", "s3:getobjectversion"):
        calls, service = KMS_FOR_S3_READ, "s3"
    elif action == "s3:putobject":
        calls, service = KMS_FOR_S3_WRITE, "s3"
    elif action == "sns:publish":
        calls, service = KMS_FOR_SNS_PUBLISH, "sns"
    else:
        return []
    context: dict[str, object] = dict((k, v) for k, v in base.context)
    context["kms:viaservice"] = f"{service}.{region}.amazonaws.com"
    if base.principal.startswith("arn:"):
        context["kms:calleraccount"] = account
    return [need(base.principal, call, key_arn, f"{base.why} ({base.action} on data encrypted with that key)", context)
            for call in calls]
