"""Traffic-hook settings: what the PreTraffic hook checks on the new version before any
traffic moves, and what the PostTraffic hook checks once it has."""

from __future__ import annotations

import re
from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from pipekit.config.behaviour import HooksBehaviour, HooksOverrideBehaviour, SmokeCheckBehaviour


class _Model(BaseModel):
    # Unknown keys are errors: a typo must never be silently ignored. Every config model
    # (models.py, gates.py, notifications.py) derives from this one.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    def replaced(self, changes: dict[str, Any]) -> "_Model":
        """A copy with some fields changed (as plain.Plain.replaced)."""
        return self.model_copy(update=changes)


class SmokeCheck(SmokeCheckBehaviour, _Model):
    """One check of the new version, invoked directly (not through the alias).

    An API check sends an HTTP API (payload 2.0) request to the function; a plain check
    invokes it with `payload` and compares the result."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,40}$", description="1-40 letters, digits, _ . or -, e.g. health")
    function: Optional[str] = Field(default=None, description="function name from service.functions; default: every API function")
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"] = "GET"
    path: Optional[str] = Field(default=None, description="HTTP path for an API check, e.g. /health")
    body: Optional[Any] = Field(default=None, description="request body (JSON) for an API check")
    expect_status: int = Field(default=200, ge=100, le=599)
    expect_text: Optional[str] = Field(default=None, description="text the response body must contain")
    expect_json: Optional[dict[str, Any]] = Field(default=None, description="dotted JSON paths and the values they must have")
    payload: Optional[Any] = Field(default=None, description="event for a plain invoke check")
    expect_result: Optional[Any] = Field(default=None, description="result a plain invoke check must return")

    @field_validator("path")
    @classmethod
    def _path(cls, value: Optional[str]) -> Optional[str]:
        if value is not None and not re.match(r"^/[^\s]*$", value):
            raise ValueError(f"path must start with / and contain no spaces, got {value!r}")
        return value

    @model_validator(mode="after")
    def _kind(self) -> "SmokeCheck":
        if (self.path is None) == (self.payload is None):
            raise ValueError(f"smoke check {self.name!r} needs either path (API check) or payload (invoke check)")
        if self.payload is not None and self.expect_result is None:
            raise ValueError(f"smoke check {self.name!r} invokes with a payload: say what it must return (expect_result)")
        return self


class PostTraffic(_Model):
    window_minutes: int = Field(default=10, ge=1, le=60, description="how far back the new version's errors are counted")
    max_errors: int = Field(default=0, ge=0, description="errors of the new version allowed in the window")


DEFAULT_SMOKE_CHECKS = (SmokeCheck(name="health", method="GET", path="/health", expect_status=200),)


class Hooks(HooksBehaviour, _Model):
    enabled: bool = True
    smoke_checks: tuple[SmokeCheck, ...] = DEFAULT_SMOKE_CHECKS
    time_budget_seconds: int = Field(default=30, ge=5, le=600, description="the PreTraffic hook's whole budget")
    post_traffic: PostTraffic = Field(default_factory=PostTraffic)


class HooksOverride(HooksOverrideBehaviour, _Model):
    """Per environment: switch the hooks off, or replace some of the service's settings."""

    enabled: Optional[bool] = None
    smoke_checks: Optional[tuple[SmokeCheck, ...]] = None
    time_budget_seconds: Optional[int] = Field(default=None, ge=5, le=600)
    post_traffic: Optional[PostTraffic] = None


def checks_for(hooks: Hooks, function: str, api: bool) -> list[SmokeCheck]:
    """The smoke checks that run against one function: those naming it, and unnamed
    API checks for API functions."""
    return [c for c in hooks.smoke_checks if c.function == function or (c.function is None and api and c.kind == "http")]
