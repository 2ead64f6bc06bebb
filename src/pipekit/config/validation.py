"""The `validate:` section of pipekit.yaml: findings a team has looked at and accepted,
each with the reason, so that `pipekit validate` stays a gate for everything else."""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from pipekit.config.hooks import _Model


class Suppression(_Model):
    rule: str = Field(description="rule id of the finding to accept: PK105, PK-PERM-DENIED, a cfn-lint id such as W3005")
    reason: str = Field(min_length=10, description="why it is accepted; shown with every validate run")

    @field_validator("rule")
    @classmethod
    def _rule(cls, value: str) -> str:
        if not re.match(r"^[A-Z][A-Z0-9-]{1,40}$", value):
            raise ValueError(f"expected a rule id such as PK105 or W3005, got {value!r}")
        return value


class Validation(_Model):
    suppress: list[Suppression] = Field(default_factory=list, description="findings accepted on purpose, each with its reason")
