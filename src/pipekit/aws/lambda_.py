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

    def function_code_updating(self, function: str, zip_bytes: bytes) -> None:
        """UpdateFunctionCode with a zip; the function then updates for a while."""
        self.client.update_function_code(FunctionName=function, ZipFile=zip_bytes)

    def update_state(self, function: str) -> tuple[str, str]:
        """(LastUpdateStatus, its reason): InProgress, Successful or Failed."""
        raw = self.client.get_function_configuration(FunctionName=function)
        return raw.get("LastUpdateStatus") or "Successful", raw.get("LastUpdateStatusReason", "")

    def publish_version(self, function: str) -> str:
        return self.client.publish_version(FunctionName=function)["Version"]

    def point_alias(self, function: str, alias: str, version: str) -> None:
        """All of the alias's traffic to `version` (any routing to another version ends)."""
        self.client.update_alias(FunctionName=function, Name=alias, FunctionVersion=version, RoutingConfig={"AdditionalVersionWeights": {}})
