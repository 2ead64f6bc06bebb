"""A finding of `pipekit validate`: where, which rule of which tool, how serious, and why."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Optional


@dataclass(frozen=True)
class Finding:
    tool: str  # cfn-lint | sam-translator | pipekit
    file: str
    line: Optional[int]
    column: Optional[int]
    rule: str
    severity: str  # error | warning | info
    message: str
    fix: str = ""  # for permission findings: the policy statement (JSON) that would fix it

    @property
    def location(self) -> str:
        if self.line is None:
            return self.file
        return f"{self.file}:{self.line}:{self.column or 1}"

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "location": self.location}
