"""Review reads that need nothing from each other overlap: the stack's and the change
set's templates, and nested stacks' change sets (a stand-in CloudFormation that answers
a template read only once the other one has started)."""

from __future__ import annotations

import threading

from pipekit.aws.cloudformation import ChangeSet, ResourceChange
from pipekit.release.changesets import load_review

STACK_ID = "arn:aws:cloudformation:eu-west-1:333333333333:stack/orders-svc-prod/5e6f"


class TemplatesMeetHalfway:
    def __init__(self) -> None:
        self.started: list[str] = []
        self.both_started = threading.Event()
        self.overlapped: list[bool] = []
        self.lock = threading.Lock()

    def describe_change_set(self, stack, name, property_values=False):
        change = ResourceChange("Add", "Queue", "", "AWS::SQS::Queue", "")
        return ChangeSet("cs-id", "cs", "orders-svc-prod", STACK_ID, "CREATE_COMPLETE", "", "AVAILABLE", (change,))

    def get_template(self, stack_name, change_set_name=None, stage="Original"):
        with self.lock:
            self.started.append(change_set_name or "current")
            if len(self.started) == 2:
                self.both_started.set()
        self.overlapped.append(self.both_started.wait(timeout=5))
        return "Resources:\n  Queue: {Type: AWS::SQS::Queue}\n" if change_set_name else "Resources: {}\n"


def test_the_stacks_and_the_change_sets_templates_are_read_at_once(monkeypatch):
    monkeypatch.setattr("pipekit.release.overlap.IN_ORDER", False)
    cf = TemplatesMeetHalfway()
    review = load_review(cf, "orders-svc-prod", "cs")
    assert sorted(cf.started) == ["cs-id", "current"]
    assert cf.overlapped == [True, True]  # read one after the other, the first would wait in vain
    assert [c.change.logical_id for c in review.changes] == ["Queue"]


class StateAndEventsMeetHalfway:
    """A stack already final: answers its state and its events only once both were asked."""

    def __init__(self) -> None:
        self.asked = threading.Barrier(2, timeout=5)
        self.overlapped: list[bool] = []

    def _meet(self) -> None:
        try:
            self.asked.wait()
            self.overlapped.append(True)
        except threading.BrokenBarrierError:
            self.overlapped.append(False)

    def describe_stack(self, name):
        from pipekit.aws.cloudformation import Stack

        self._meet()
        return Stack(name="orders-svc-prod", stack_id=STACK_ID, status="CREATE_COMPLETE")

    def events_since(self, stack, last_seen=None):
        from datetime import datetime, timezone

        from pipekit.aws.cloudformation import StackEvent

        self._meet()
        return [StackEvent("e1", STACK_ID, "orders-svc-prod", datetime.now(timezone.utc), "orders-svc-prod", STACK_ID,
                           "AWS::CloudFormation::Stack", "CREATE_COMPLETE")]


def test_following_a_stack_reads_its_state_and_its_events_at_once(monkeypatch):
    from pipekit.release.follow import follow_stack
    from pipekit.release.polling import Backoff

    monkeypatch.setattr("pipekit.release.overlap.IN_ORDER", False)
    cf = StateAndEventsMeetHalfway()
    final, events = follow_stack(cf, STACK_ID, None, lambda event: None, Backoff(sleep=lambda s: None))
    assert cf.overlapped == [True, True]  # read one after the other, the first would wait in vain
    assert final.status == "CREATE_COMPLETE" and [e.event_id for e in events] == ["e1"]
