"""deploy --fail-on: a change set whose risks trip the gate is shown and never executed
(exit 3), so CI can deploy what is safe and stop on what needs a person."""

from __future__ import annotations

from typing import Any, Callable

from pipekit.aws.cloudformation import ChangeSet
from pipekit.errors import EXIT_GATE, PipekitError
from pipekit.release.review import Review


class GateTripped(PipekitError):
    exit_code = EXIT_GATE


class RiskGate:
    """Sits between the deployer and the reporter: it sees each change set's review and
    answers "do not execute" for one that trips `fail_on`, before anyone is asked."""

    def __init__(self, fail_on: str, on_event: Callable[[Any], None], confirm: Callable[[ChangeSet], bool]) -> None:
        self.fail_on, self.forward, self.ask = fail_on, on_event, confirm
        self.tripped: list[Review] = []

    def on_event(self, event: Any) -> None:
        review = getattr(event, "review", None)
        if isinstance(review, Review) and review.trips(self.fail_on):
            self.tripped.append(review)
        self.forward(event)

    def confirm(self, change_set: ChangeSet) -> bool:
        if any(r.change_set.change_set_id == change_set.change_set_id for r in self.tripped):
            return False
        return self.ask(change_set)

    def check(self) -> None:
        """Raise when a change set tripped the gate."""
        if self.tripped:
            review = self.tripped[0]
            raise GateTripped(
                f"{review.change_set.stack_name}: change set {review.change_set.name} trips --fail-on {self.fail_on} "
                f"({review.verdict()}); it was not executed and is left for review"
            )
