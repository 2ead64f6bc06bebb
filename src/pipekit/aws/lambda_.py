"""Lambda: where a function's live alias points, with traffic weights during a shift."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Alias:
    function: str
    name: str
    version: str  # the version with the main weight
    weights: dict[str, float] = field(default_factory=dict)  # version -> share of traffic

    @property
    def shifting(self) -> bool:
        return any(0 < w < 1 for w in self.weights.values())


class Lambda:
    def __init__(self, client: Any) -> None:
        self.client = client

    def alias(self, function: str, name: str = "live") -> Alias:
        raw = self.client.get_alias(FunctionName=function, Name=name)
        extra = ((raw.get("RoutingConfig") or {}).get("AdditionalVersionWeights")) or {}
        weights = {raw["FunctionVersion"]: round(1 - sum(extra.values()), 4), **{v: float(w) for v, w in extra.items()}}
        return Alias(function, name, raw["FunctionVersion"], weights)
