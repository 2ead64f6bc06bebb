"""The preflight's data: what a principal will be asked (Need) and what was found."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Optional

DENIED = "PK-PERM-DENIED"
UNPROVABLE = "PK-PERM-UNPROVABLE"
STAR_ONLY = "PK-PERM-STAR-ONLY"
UNKNOWN_ACTION = "PK-PERM-UNKNOWN-ACTION"
SIZE = "PK-PERM-SIZE"
UNUSED = "PK-PERM-UNUSED"


@dataclass(frozen=True)
class PermissionFinding:
    file: str
    line: Optional[int]
    rule: str
    message: str
    principal: str
    action: str
    resource: str
    fix: Optional[str] = None  # a policy statement (JSON) that would fix it, where one would

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Need:
    """One request a principal will make."""

    principal: str  # role ARN, or a service principal's name
    action: str
    resource: str
    why: str  # e.g. "CloudFormation creates Table (AWS::DynamoDB::Table) in orders-svc-dev"
    context: tuple[tuple[str, tuple[str, ...]], ...] = ()
    decided: frozenset[str] = frozenset()  # condition keys known absent unless in context
    fix_condition: Optional[dict] = field(default=None, hash=False, compare=False)
