"""What IAM knows about an action: does it exist, which resource types it is evaluated
against (none means it supports only "*"), and the ARN format of each resource type.

The data is the Service Authorization Reference as cfn-lint ships it
(cfnlint/data/AdditionalSpecs/Policies.json): per service, actions with their resource
types, and resource types with their ARN formats, where the resource's own part of the
ARN is written ".*"."""

from __future__ import annotations

from functools import lru_cache
from typing import Optional

from pipekit.checks.permissions.glob import match


@lru_cache(maxsize=1)
def _data() -> dict:
    from pipekit.checks.permissions.cfnlint_data import policies

    return policies()


def _split(action: str) -> tuple[str, str]:
    service, _, name = action.partition(":")
    return service.lower(), name.lower()


def exists(action: str) -> bool:
    """An action, or a pattern that matches at least one action of its service."""
    service, name = _split(action)
    actions = (_data().get(service) or {}).get("Actions") or {}
    if "*" in name or "?" in name:
        return any(match(name, known) for known in actions)
    return name in actions


def service_known(action: str) -> bool:
    return _split(action)[0] in _data()


def resource_types(action: str) -> Optional[list[str]]:
    """The resource types the action is authorized against, lower-case; [] when it
    supports only "*"; None when the action is not in the data."""
    service, name = _split(action)
    entry = ((_data().get(service) or {}).get("Actions") or {}).get(name)
    if entry is None:
        return None
    return [r.lower() for r in entry.get("Resources", [])]


def star_only(action: str) -> bool:
    return resource_types(action) == []


def actions_matching(pattern: str) -> list[str]:
    """Every action a policy's action pattern grants (lower-case service:name)."""
    service, name = _split(pattern)
    services = [service] if "*" not in service and "?" not in service else [s for s in _data() if match(service, s)]
    found = []
    for svc in services:
        for known in (_data().get(svc) or {}).get("Actions") or {}:
            if match(name, known):
                found.append(f"{svc}:{known}")
    return found


def arn(service: str, resource_type: str, own_part: str, partition: str, region: str, account: str) -> Optional[str]:
    """The ARN of one resource of a type, its own part (name, id, path) filled in."""
    types = {k.lower(): v for k, v in ((_data().get(service.lower()) or {}).get("Resources") or {}).items()}
    entry = types.get(resource_type.lower())
    if not entry or not entry.get("ARNFormats"):
        return None
    template = entry["ARNFormats"][0]
    text = template.replace("${Partition}", partition).replace("${Region}", region).replace("${Account}", account)
    if text.endswith(".*"):
        return text[:-2] + own_part
    return text  # a fixed ARN such as API Gateway's /apis collection
