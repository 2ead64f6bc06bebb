"""The live terminal view of a deploy, drawn frame by frame with a fake clock: the elapsed
time and the phase move between events, resources show their latest state, N of M
resources done counts finished ones, and the change set is shown as a table."""

from __future__ import annotations

import io
from datetime import datetime, timezone

from rich.console import Console

from pipekit.aws.cloudformation import ChangeSet, ResourceChange, StackEvent
from pipekit.release.deploy import ChangeSetCreating, ChangeSetReady, ResourceEvent
from pipekit.release.review import review
from pipekit.ui.live import LiveReporter

T = datetime(2026, 11, 27, 9, 0, tzinfo=timezone.utc)
STACK = "orders-svc-dev"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def reporter(clock=None):
    live = LiveReporter(clock or FakeClock())
    live.console = Console(file=io.StringIO(), force_terminal=True, width=160, color_system=None)
    return live


def frame(live) -> str:
    """What the next refresh draws, as rich's Live would draw it."""
    console = Console(file=io.StringIO(), width=160, color_system=None)
    console.print(live.view)
    return console.file.getvalue()


def event(n, logical, status, reason="", kind="AWS::DynamoDB::Table"):
    return ResourceEvent(StackEvent(f"e{n}", "id", STACK, T, logical, "", kind, status, reason))


def ready(*changes):
    return ChangeSetReady(review(ChangeSet("id", "pipekit-1", STACK, "sid", "CREATE_COMPLETE", "", "AVAILABLE", tuple(changes)), {}))


def change(logical, kind="AWS::DynamoDB::Table", action="Modify"):
    return ResourceChange(action, logical, f"{logical}-physical", kind, "False")


def test_elapsed_time_and_phase_move_while_cloudformation_is_silent():
    clock = FakeClock()
    live = reporter(clock)
    live(ChangeSetCreating(STACK, "pipekit-1", "UPDATE"))
    assert f"{STACK}: creating UPDATE change set pipekit-1  elapsed 0s" in frame(live)
    clock.now += 75  # no event for 75 seconds: the next frame still moves
    assert f"{STACK}: creating UPDATE change set pipekit-1  elapsed 1m15s" in frame(live)
    live(ready(change("Table"), change("Queue", "AWS::SQS::Queue")))
    clock.now += 5
    assert "waiting for review of change set pipekit-1  elapsed 1m20s" in frame(live)
    live.executing(STACK, "pipekit-1")
    clock.now += 1
    assert "executing change set pipekit-1  elapsed 1m21s" in frame(live)
    live.stop()


def test_n_of_m_resources_done_counts_finished_resources_not_the_stack():
    clock = FakeClock()
    live = reporter(clock)
    live(ChangeSetCreating(STACK, "pipekit-1", "UPDATE"))
    live(ready(change("Table"), change("Queue", "AWS::SQS::Queue"), change("Topic", "AWS::SNS::Topic")))
    live.executing(STACK, "pipekit-1")
    live(event(1, STACK, "UPDATE_IN_PROGRESS", "User Initiated", "AWS::CloudFormation::Stack"))
    live(event(2, "Table", "UPDATE_IN_PROGRESS"))
    live(event(3, "Queue", "UPDATE_IN_PROGRESS"))
    assert "executing change set pipekit-1: 0 of 3 resources done" in frame(live)
    live(event(4, "Table", "UPDATE_COMPLETE"))
    live(event(5, "Queue", "UPDATE_FAILED", "Queue limit exceeded"))
    live(event(6, STACK, "UPDATE_ROLLBACK_COMPLETE", "", "AWS::CloudFormation::Stack"))  # the stack is no resource of its own
    clock.now += 30
    drawn = frame(live)
    assert "executing change set pipekit-1: 2 of 3 resources done  elapsed 30s" in drawn
    assert "Queue limit exceeded" in drawn
    live.stop()


def test_each_resource_shows_its_latest_state():
    live = reporter()
    live(ChangeSetCreating(STACK, "pipekit-1", "UPDATE"))
    live(event(1, "Table", "UPDATE_IN_PROGRESS"))
    live(event(2, "Table", "UPDATE_FAILED", "Throughput exceeds the account limit"))
    live(event(3, "Queue", "UPDATE_IN_PROGRESS"))
    rows = [line for line in frame(live).splitlines() if "AWS::DynamoDB::Table" in line]
    assert len(rows) == 2  # Table once, with its latest state; and Queue
    assert "UPDATE_FAILED" in rows[0] and "Throughput exceeds the account limit" in rows[0]
    live.stop()
    output = live.console.file.getvalue()
    assert "creating UPDATE change set pipekit-1" in output
    assert "UPDATE_FAILED" in output and "Throughput exceeds the account limit" in output  # the last frame stays
    assert live._live is None


def test_a_new_stack_starts_a_new_view_and_clock():
    clock = FakeClock()
    live = reporter(clock)
    live(ChangeSetCreating(STACK, "pipekit-1", "UPDATE"))
    live(event(1, "Table", "UPDATE_COMPLETE"))
    clock.now += 40
    live.stop()
    live(ChangeSetCreating("orders-pipeline", "pipekit-2", "CREATE"))
    drawn = frame(live)
    assert "orders-pipeline: creating CREATE change set pipekit-2  elapsed 0s" in drawn and "Table" not in drawn
    live.stop()


def test_the_change_set_is_shown_as_a_table_with_its_verdict():
    live = reporter()
    live(ready(ResourceChange("Remove", "Table", "orders-dev-orders", "AWS::DynamoDB::Table", "")))
    live.stop()
    output = live.console.file.getvalue()
    assert "Verdict: 1 data-loss in 1 changes" in output
    assert "Remove" in output and "AWS::DynamoDB::Table" in output


def test_a_rollback_step_shows_its_state_and_a_ticking_clock():
    from pipekit.recovery.rollback import Step
    from pipekit.recovery.runner import Progress
    from pipekit.ui.rollback import RollbackReporter

    clock = FakeClock()
    live = reporter(clock)
    rollback = RollbackReporter("text", live)
    step = Step("prod", "codedeploy:StopDeployment", "d-ABC", {"deploymentId": "d-ABC", "autoRollbackEnabled": True}, "why")
    rollback(Progress(step, "stopping d-ABC: Pending"))
    assert "d-ABC: stopping d-ABC: Pending  elapsed 0s" in frame(live)
    clock.now += 45  # CodeDeploy is quiet: the view still moves
    assert "d-ABC: stopping d-ABC: Pending  elapsed 45s" in frame(live)
    rollback(Progress(step, "d-ABC: Stopped"))
    assert "d-ABC: d-ABC: Stopped  elapsed 45s" in frame(live)
    live.stop()
