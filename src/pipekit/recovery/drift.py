"""Drift: which of an environment's resources no longer match their template, property by
property. Detection runs in CloudFormation (DetectStackDrift); this module starts it,
waits with adaptive polling (reporting progress as events) and shapes the answer.

Imported by the review function too: boto3-free, config-free (pydantic is not in Lambda)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Optional

from pipekit.aws.cfn_drift import DriftDetection, PropertyDifference, ResourceDrift
from pipekit.errors import PipekitError
from pipekit.release.polling import Backoff

MAX_WAIT = 15 * 60  # detection of a few hundred resources takes minutes, not hours


class DriftFailed(PipekitError):
    """Detection did not finish in time."""


@dataclass(frozen=True)
class DriftProgress:
    """Reported on every look while CloudFormation is still detecting."""

    stack: str
    status: str
    seconds: float


@dataclass(frozen=True)
class StackDrift:
    stack: str
    detection: Optional[DriftDetection]  # None: the stack is not deployed
    resources: tuple[ResourceDrift, ...] = ()

    @property
    def deployed(self) -> bool:
        return self.detection is not None

    @property
    def drifted(self) -> list[ResourceDrift]:
        return [r for r in self.resources if r.drifted]

    @property
    def incomplete(self) -> str:
        """Why detection did not check everything ("" when it did). DETECTION_FAILED
        still leaves the results of the resources it could read."""
        if self.detection is not None and self.detection.status == "DETECTION_FAILED":
            return self.detection.reason or "DETECTION_FAILED"
        return ""


@dataclass(frozen=True)
class DriftReport:
    environment: str
    account: str
    stacks: tuple[StackDrift, ...]

    def drifted(self) -> list[tuple[str, ResourceDrift]]:
        return [(s.stack, r) for s in self.stacks for r in s.drifted]

    def counts(self) -> dict[str, int]:
        drifted = self.drifted()
        return {
            "checked": sum(len(s.resources) for s in self.stacks),
            "drifted": len(drifted),
            "properties": sum(len(r.differences) for _, r in drifted),
            "deleted": sum(1 for _, r in drifted if r.status == "DELETED"),
        }

    def verdict(self) -> str:
        counts = self.counts()
        deployed = [s for s in self.stacks if s.deployed]
        where = f"{len(deployed)} stack{'s' if len(deployed) != 1 else ''}"
        if not counts["drifted"]:
            return f"no drift in {counts['checked']} resources of {where}"
        deleted = f", {counts['deleted']} deleted" if counts["deleted"] else ""
        return f"{counts['drifted']} of {counts['checked']} resources drifted ({counts['properties']} properties{deleted}) in {where}"

    @property
    def incomplete(self) -> list[str]:
        return [f"{s.stack}: {s.incomplete}" for s in self.stacks if s.incomplete]

    def trips(self, fail_on: str) -> bool:
        return fail_on == "drift" and bool(self.drifted())


def detect(
    cf: Any,
    stack: str,
    on_event: Callable[[DriftProgress], None] = lambda _: None,
    backoff: Optional[Backoff] = None,
    clock: Callable[[], float] = time.monotonic,
    max_wait: float = MAX_WAIT,
) -> StackDrift:
    """Detect drift on one stack and read every resource's result; a stack that does not
    exist is reported as not deployed."""
    from pipekit.aws.cloudformation import StackNotFound

    backoff = backoff or Backoff()
    started = clock()
    try:
        detection_id = backoff.read(lambda: cf.detect_stack_drift(stack))
    except StackNotFound:
        return StackDrift(stack, None)
    while True:
        detection = backoff.read(lambda: cf.drift_detection(detection_id))
        if detection.finished:
            break
        if clock() - started > max_wait:
            raise DriftFailed(f"{stack}: drift detection {detection_id} still runs after {max_wait / 60:.0f} minutes")
        on_event(DriftProgress(stack, detection.status, clock() - started))
        backoff.wait()
    resources = backoff.read(lambda: cf.resource_drifts(stack))
    return StackDrift(stack, detection, tuple(sorted(resources, key=lambda r: (not r.drifted, r.logical_id))))


def top_property(path: str) -> str:
    """The template property a PropertyPath starts with: /ProvisionedThroughput/ReadCapacityUnits
    -> ProvisionedThroughput."""
    return path.lstrip("/").split("/", 1)[0]


@dataclass(frozen=True)
class DriftedResource:
    drift: ResourceDrift
    properties: frozenset[str]

    def differences_of(self, name: str) -> list[PropertyDifference]:
        return [d for d in self.drift.differences if top_property(d.path) == name]


def drifted_resources(stack: StackDrift) -> dict[str, DriftedResource]:
    """Per logical id, what drifted: its template properties (top level) and their differences."""
    return {r.logical_id: DriftedResource(r, frozenset(top_property(d.path) for d in r.differences)) for r in stack.drifted}
