"""The live terminal view of a deploy: resources with their latest state, the change set
as a table, and a clean stop before a question is asked."""

from __future__ import annotations

import io
from datetime import datetime, timezone

from rich.console import Console

from pipekit.aws.cloudformation import ChangeSet, ResourceChange, StackEvent
from pipekit.release.deploy import ChangeSetCreating, ChangeSetReady, ResourceEvent
from pipekit.release.review import review
from pipekit.ui.live import LiveReporter

T = datetime(2026, 11, 27, 9, 0, tzinfo=timezone.utc)


def reporter():
    live = LiveReporter()
    live.console = Console(file=io.StringIO(), force_terminal=True, width=160, color_system=None)
    return live


def event(n, logical, status, reason=""):
    return ResourceEvent(StackEvent(f"e{n}", "id", "orders-svc-dev", T, logical, "", "AWS::DynamoDB::Table", status, reason))


def test_each_resource_shows_its_latest_state():
    live = reporter()
    live(ChangeSetCreating("orders-svc-dev", "pipekit-1", "UPDATE"))
    live(event(1, "Table", "UPDATE_IN_PROGRESS"))
    live(event(2, "Table", "UPDATE_FAILED", "Throughput exceeds the account limit"))
    live(event(3, "Queue", "UPDATE_IN_PROGRESS"))
    rows = live._rows  # what the next refresh draws
    assert list(rows) == ["Table", "Queue"]
    assert rows["Table"][1:] == ("UPDATE_FAILED", "Throughput exceeds the account limit")
    live.stop()
    output = live.console.file.getvalue()
    assert "creating UPDATE change set pipekit-1" in output
    assert "UPDATE_FAILED" in output and "Throughput exceeds the account limit" in output
    assert live._live is None and live._rows == {}


def test_the_change_set_is_shown_as_a_table_with_its_verdict():
    live = reporter()
    change = ResourceChange("Remove", "Table", "orders-dev-orders", "AWS::DynamoDB::Table", "")
    live(ChangeSetReady(review(ChangeSet("id", "pipekit-1", "orders-svc-dev", "sid", "CREATE_COMPLETE", "", "AVAILABLE", (change,)), {})))
    output = live.console.file.getvalue()
    assert "Verdict: 1 data-loss in 1 changes" in output
    assert "Remove" in output and "AWS::DynamoDB::Table" in output
