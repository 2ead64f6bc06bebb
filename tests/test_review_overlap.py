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
