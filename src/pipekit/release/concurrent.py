"""Two deploys of one stack at once: noticing the other one, and queueing behind it.

Another deploy is in flight when the stack is busy (an update, a rollback), or when a
pipekit change set on it is being created, or was created recently and waits to be
executed (its deploy may be asking its user right now). Older pipekit change sets that a
deploy made to execute and never did were left by a deploy that was killed: they are
deleted, so reruns never pile them up. Change sets made with --no-execute are left for
their reviewers."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Optional

from pipekit.aws.cloudformation import CloudFormation, Stack
from pipekit.errors import PipekitError
from pipekit.release import changeset_ops
from pipekit.release.polling import Backoff

# Description of change sets a deploy means to execute, and of those left for review.
TO_EXECUTE = "created by pipekit"
FOR_REVIEW = "created by pipekit --no-execute, left for review"
# A deploy waiting this long on its user's answer is taken for dead.
RECENT = timedelta(minutes=30)
BEING_CREATED = ("CREATE_PENDING", "CREATE_IN_PROGRESS")


class AnotherDeploy(PipekitError):
    """Another deploy works on the stack (and --wait was not given, or waited too long)."""


@dataclass(frozen=True)
class OtherDeploy:
    stack: str
    what: str  # "the stack is UPDATE_IN_PROGRESS" | "change set X is CREATE_COMPLETE, not executed yet"
    since: Optional[datetime]

    def describe(self, now: datetime) -> str:
        when = ""
        if self.since is not None:
            minutes = max(0, int((now - self.since).total_seconds() // 60))
            when = f" since {self.since.astimezone(timezone.utc):%H:%M:%S} UTC ({minutes} min ago)"
        return f"another deploy of {self.stack} is in flight: {self.what}{when}"


@dataclass(frozen=True)
class WaitingForOtherDeploy:
    """The event of a deploy queued behind another (--wait)."""

    other: OtherDeploy


def _mine(summary: dict, stack_name: str) -> bool:
    return summary.get("StackName") == stack_name and str(summary.get("ChangeSetName", "")).startswith(changeset_ops.PREFIX)


def change_sets(cf: CloudFormation, stack: Optional[Stack], stack_name: str) -> list[dict]:
    """The stack's change sets (ListChangeSets' summaries); none for a stack not there."""
    if stack is None or stack.in_progress:  # busy already says enough
        return []
    return [s for s in cf.change_sets(stack_name) if s.get("StackName") == stack_name]


def other_deploy(stack: Optional[Stack], summaries: list[dict], stack_name: str, now: datetime) -> Optional[OtherDeploy]:
    """Another deploy working on the stack now, if any. Pure."""
    if stack is not None and stack.in_progress:
        return OtherDeploy(stack_name, f"the stack is {stack.status}", stack.last_updated)
    for summary in sorted(summaries, key=lambda s: s.get("CreationTime") or now):
        if not _mine(summary, stack_name):
            continue
        created = summary.get("CreationTime")
        status, execution = summary.get("Status", ""), summary.get("ExecutionStatus", "")
        waiting = status == "CREATE_COMPLETE" and execution == "AVAILABLE" and summary.get("Description", TO_EXECUTE) == TO_EXECUTE
        if status in BEING_CREATED or (waiting and created is not None and now - created < RECENT):
            state = "being created" if status in BEING_CREATED else "created and not executed yet"
            return OtherDeploy(stack_name, f"change set {summary['ChangeSetName']} is {state}", created)
    return None


def left_behind(summaries: list[dict], stack_name: str, now: datetime) -> list[str]:
    """pipekit change sets no deploy will execute any more: empty or failed ones, and
    ones to execute older than RECENT. Pure."""
    stale = []
    for summary in summaries:
        if not _mine(summary, stack_name) or summary.get("ExecutionStatus") in changeset_ops.EXECUTED:
            continue
        created = summary.get("CreationTime") or now
        failed = summary.get("Status") == "FAILED"
        abandoned = summary.get("Description", TO_EXECUTE) == TO_EXECUTE and now - created >= RECENT
        if failed or abandoned:
            stale.append(summary["ChangeSetName"])
    return stale


def take_turn(cf: CloudFormation, stack_name: str, now: datetime) -> Optional[Stack]:
    """The stack, when no other deploy works on it (AnotherDeploy otherwise); change
    sets left by killed deploys are deleted on the way."""
    stack = cf.describe_stack(stack_name)
    summaries = change_sets(cf, stack, stack_name)
    other = other_deploy(stack, summaries, stack_name, now)
    if other is not None:
        raise AnotherDeploy(f"{other.describe(now)}; pass --wait to queue behind it, or see `pipekit status`")
    for left in left_behind(summaries, stack_name, now):
        changeset_ops.delete(cf, stack_name, left)
    return stack


def _look(cf: CloudFormation, stack_name: str, now: datetime) -> Optional[OtherDeploy]:
    stack = cf.describe_stack(stack_name)
    return other_deploy(stack, change_sets(cf, stack, stack_name), stack_name, now)


def wait_for_turn(
    cf: CloudFormation,
    stack_name: str,
    on_event: Callable[["WaitingForOtherDeploy"], None],
    backoff: Backoff,
    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    clock: Callable[[], float] = time.monotonic,
    max_wait: float = 3 * 3600,
) -> None:
    """Return once no other deploy works on the stack (reported when one does)."""
    deadline = clock() + max_wait
    reported: Optional[OtherDeploy] = None
    while True:
        other = backoff.read(lambda: _look(cf, stack_name, now()))
        if other is None:
            return
        if other != reported:
            on_event(WaitingForOtherDeploy(other))
            reported = other
        if clock() > deadline:
            raise AnotherDeploy(f"{other.describe(now())}; still there after {max_wait / 60:.0f} minutes")
        backoff.wait()
