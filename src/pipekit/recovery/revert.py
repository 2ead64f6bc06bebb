"""pipekit drift --revert: a drift-aware change set (DeploymentMode REVERT_DRIFT) over the
stack's own template and parameters, shown property by property (live value, template
value, and whether the property is written or only resynced), executed after the same
confirmation as a deploy. The plan is data; RevertRunner carries it out as it is."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any, Callable, Optional

from pipekit.aws.cloudformation import SUCCESS_STATES, ChangeSet, CloudFormation
from pipekit.errors import PipekitError, UsageError
from pipekit.release.follow import first_failure, follow_stack, wait_for_change_set
from pipekit.release.polling import Backoff

REVERT = "revert"  # the live value is overwritten with the template's
RESYNC = "resync"  # SyncWithActual: the drift status is reset, the resource is not touched
CHANGE = "change"  # a change that is not about drift


class RevertFailed(PipekitError):
    """The drift-aware change set could not be made or executed."""


@dataclass(frozen=True)
class RevertPlan:
    account: str
    stack: str
    change_set: str
    parameter_keys: tuple[str, ...]
    capabilities: tuple[str, ...]

    def describe(self) -> list[str]:
        return [
            f"create drift-aware change set {self.change_set} (DeploymentMode REVERT_DRIFT) on {self.stack} in account {self.account}",
            f"  the stack's own template (UsePreviousTemplate) and parameter values ({', '.join(self.parameter_keys) or 'none'})",
            f"  capabilities {', '.join(self.capabilities) or 'none'}",
            "show it, then execute it after confirmation (--yes skips), or leave it (--no-execute)",
        ]


@dataclass(frozen=True)
class PropertyRevert:
    logical_id: str
    resource_type: str
    path: str
    live: Optional[str]
    template: Optional[str]
    previous: Optional[str]
    effect: str  # revert | resync | change


@dataclass(frozen=True)
class RevertPreview:
    change_set: ChangeSet
    properties: tuple[PropertyRevert, ...]

    def counts(self) -> dict[str, int]:
        return {effect: sum(1 for p in self.properties if p.effect == effect) for effect in (REVERT, RESYNC, CHANGE)}

    def verdict(self) -> str:
        c = self.counts()
        return f"{c[REVERT]} properties reverted to the template, {c[RESYNC]} only resynced, {c[CHANGE]} other changes"


def plan_revert(cf: CloudFormation, account: str, stack_name: str) -> RevertPlan:
    stack = cf.describe_stack(stack_name)
    if stack is None:
        raise UsageError(f"stack {stack_name} does not exist in account {account}: nothing to revert")
    if stack.in_progress:
        raise RevertFailed(f"{stack_name} is busy ({stack.status}); wait for it to finish")
    name = f"pipekit-revert-drift-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}"
    return RevertPlan(account, stack_name, name, stack.parameter_keys, stack.capabilities)


def property_reverts(change_set: ChangeSet) -> tuple[PropertyRevert, ...]:
    """Each property a drift-aware change set touches: its live value (drift-aware change
    sets compare against the actual state), the template's value, and what happens."""
    found = []
    for change in change_set.changes:
        for detail in change.details:
            target = detail.get("Target") or {}
            drift = target.get("Drift") or {}
            live = drift.get("ActualValue", target.get("BeforeValue") if target.get("BeforeValueFrom") == "ACTUAL_STATE" else None)
            if target.get("AttributeChangeType") == "SyncWithActual":
                effect = RESYNC
            elif drift or target.get("BeforeValueFrom") == "ACTUAL_STATE" and live != target.get("AfterValue"):
                effect = REVERT
            else:
                effect = CHANGE
            path = target.get("Path") or target.get("Name") or target.get("Attribute", "")
            found.append(PropertyRevert(change.logical_id, change.resource_type, path, live, target.get("AfterValue"),
                                        drift.get("PreviousValue"), effect))
    return tuple(found)


@dataclass(frozen=True)
class RevertOutcome:
    stack: str
    result: str  # nothing_to_revert | created_only | declined | succeeded | failed
    change_set: str
    status: str = ""
    cause: str = ""


class RevertRunner:
    def __init__(self, cf: CloudFormation, on_event: Callable[[Any], None], backoff: Callable[[], Backoff] = Backoff) -> None:
        self.cf, self.on_event, self.backoff = cf, on_event, backoff

    def create(self, plan: RevertPlan) -> Optional[RevertPreview]:
        """The change set, described with property values; None when nothing drifted
        (CloudFormation's empty change set is deleted)."""
        self.cf.create_revert_drift_change_set(plan.stack, plan.change_set, list(plan.parameter_keys), list(plan.capabilities))
        created = wait_for_change_set(self.cf, plan.stack, plan.change_set, self.backoff())
        if created.is_empty:
            self.cf.delete_change_set(plan.stack, plan.change_set)
            return None
        if created.status != "CREATE_COMPLETE":
            raise RevertFailed(f"{plan.stack}: drift-aware change set {plan.change_set} failed: {created.status_reason or created.status}")
        change_set = self.cf.describe_change_set(plan.stack, plan.change_set, property_values=True)
        return RevertPreview(change_set, property_reverts(change_set))

    def run(self, plan: RevertPlan, show: Callable[[RevertPreview], None], confirm: Callable[[str], bool],
            execute: bool = True) -> tuple[RevertOutcome, Optional[RevertPreview]]:
        """The whole of --revert once planned: create the change set, show it, and execute
        it if `execute` and confirmed; a change set not executed is left for review."""
        preview = self.create(plan)
        if preview is None:
            return RevertOutcome(plan.stack, "nothing_to_revert", plan.change_set), None
        show(preview)
        if not execute:
            return RevertOutcome(plan.stack, "created_only", plan.change_set), preview
        if not confirm(f"Execute drift-aware change set {plan.change_set} on {plan.stack}?"):
            return RevertOutcome(plan.stack, "declined", plan.change_set), preview
        return self.execute(plan, preview), preview

    def execute(self, plan: RevertPlan, preview: RevertPreview) -> RevertOutcome:
        stack_id = preview.change_set.stack_id
        marker = self.cf.latest_event_id(stack_id)
        self.cf.execute_change_set(plan.stack, plan.change_set)
        final, events = follow_stack(self.cf, stack_id, marker, self.on_event, self.backoff())
        if final.status in SUCCESS_STATES:
            return RevertOutcome(plan.stack, "succeeded", plan.change_set, final.status)
        failure = first_failure(events)
        cause = f"{failure.logical_id} {failure.status}: {failure.reason}" if failure else final.status_reason
        return RevertOutcome(plan.stack, "failed", plan.change_set, final.status, cause)
