"""Following a stack to its end: every new event reported as it comes, the final state
noticed within one poll interval, and the event that explains a failure. Shared by
deploy and by rollback's stack remedies."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Optional

from pipekit.aws.cloudformation import TERMINAL_STATES, ChangeSet, CloudFormation, Stack, StackEvent
from pipekit.errors import PipekitError
from pipekit.release import overlap
from pipekit.release.polling import Backoff

CANCELLED = ("Resource creation cancelled", "Resource update cancelled", "Resource deletion cancelled")


@dataclass(frozen=True)
class ResourceEvent:
    event: StackEvent


class StackFollowFailed(PipekitError):
    """The stack vanished, or did not finish in time, while it was followed."""


def follow_stack(
    cf: CloudFormation,
    stack_name: str,
    last_seen: Optional[str],
    on_event: Callable[[Any], None],
    backoff: Backoff,
    clock: Callable[[], float] = time.monotonic,
    max_wait: float = 3 * 3600,
) -> tuple[Stack, list[StackEvent]]:
    """Report every new event until the stack reaches a final state."""
    seen: list[StackEvent] = []
    deadline = clock() + max_wait
    while True:
        # The state and the events at once (one round trip per look, not two). The events
        # may have been read just before the state turned final: then the stack's own final
        # event is not among them yet, and one more read brings the last ones.
        stack, fresh = overlap.together(
            lambda: backoff.read(lambda: cf.describe_stack(stack_name)),
            lambda: backoff.read(lambda: cf.events_since(stack_name, last_seen)),
        )
        if stack is None:
            raise StackFollowFailed(f"{stack_name} disappeared while it was being followed")
        if stack.status in TERMINAL_STATES and not _ends(fresh, stack):
            fresh += backoff.read(lambda: cf.events_since(stack_name, fresh[-1].event_id if fresh else last_seen))
        if fresh:
            last_seen = fresh[-1].event_id
        if _report(after_review(fresh), on_event, seen):
            backoff.activity()
        if stack.status in TERMINAL_STATES:
            return stack, seen
        if clock() > deadline:
            raise StackFollowFailed(f"{stack.name} is still {stack.status} after {max_wait / 60:.0f} minutes; it goes on in AWS (see `pipekit status`)")
        backoff.wait()


def _ends(events: list[StackEvent], stack: Stack) -> bool:
    """Whether the events include the stack's own event for its final state."""
    return any(e.logical_id == stack.name and e.resource_type == "AWS::CloudFormation::Stack" and e.status == stack.status
               for e in events)


def after_review(events: list[StackEvent]) -> list[StackEvent]:
    """Without the REVIEW_IN_PROGRESS events that creating change sets leaves on a new
    stack: they come before the execution being followed."""
    return [e for e in events if e.status != "REVIEW_IN_PROGRESS"]


def _report(events: list[StackEvent], on_event: Callable[[Any], None], seen: list[StackEvent]) -> bool:
    for event in events:
        on_event(ResourceEvent(event))
    seen += events
    return bool(events)


def first_failure(events: list[StackEvent]) -> Optional[StackEvent]:
    """The earliest *_FAILED event that says why (not a cancellation caused by another)."""
    for event in sorted(events, key=lambda e: e.timestamp):
        if event.status.endswith("_FAILED") and event.reason and not event.reason.startswith(CANCELLED):
            if event.logical_id == event.stack_name and "resource(s) failed" in event.reason:
                continue  # the stack's summary, not the cause
            return event
    return None


def wait_for_change_set(cf: CloudFormation, stack: str, name: str, backoff: Backoff) -> ChangeSet:
    """The change set once CloudFormation has finished creating (or failed to create) it."""
    while True:
        change_set = backoff.read(lambda: cf.describe_change_set(stack, name))
        if change_set.status in ("CREATE_COMPLETE", "FAILED", "DELETE_COMPLETE", "DELETE_FAILED"):
            return change_set
        backoff.wait()
