"""Off a terminal, a silent wait still prints: a heartbeat line after 30 s without output,
naming the stack, what it waits for and since when; nothing while output flows, nothing
after the wait ended, no thread left behind. A fake clock drives tick(); one test runs the
real thread for its start and stop."""

from __future__ import annotations

import threading

from pipekit.release.deploy import ChangeSetCreating
from pipekit.ui.deploy_report import JsonReporter, PlainReporter
from pipekit.ui.heartbeat import Heartbeat
from pipekit.ui.live import LiveReporter

STACK = "orders-svc-dev"


class FakeClock:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


def heartbeat():
    clock, lines = FakeClock(), []
    return Heartbeat(lines.append, clock), clock, lines


def test_a_silent_wait_gets_a_line_every_30_seconds_with_the_time_since_it_began():
    beat, clock, lines = heartbeat()
    beat.phase(STACK, "creating change set pipekit-1")
    clock.now += 29
    assert beat.tick() is None
    clock.now += 1
    assert beat.tick() == f"{STACK}: still creating change set pipekit-1 (30s)"
    clock.now += 29
    assert beat.tick() is None  # 30 s since the last line, not since the phase began
    clock.now += 46
    beat.tick()
    assert lines == [f"{STACK}: still creating change set pipekit-1 (30s)", f"{STACK}: still creating change set pipekit-1 (1m45s)"]


def test_output_that_flows_keeps_the_heartbeat_quiet():
    beat, clock, lines = heartbeat()
    beat.phase(STACK, "executing change set pipekit-1")
    for _ in range(10):
        clock.now += 20
        beat.said()  # a stack event every 20 s
        beat.tick()
    assert lines == []


def test_nothing_after_the_wait_ended():
    beat, clock, lines = heartbeat()
    beat.phase(STACK, "executing change set pipekit-1")
    beat.stop()
    clock.now += 300
    assert beat.tick() is None and lines == []


def test_the_thread_starts_with_a_wait_and_is_gone_when_it_ends():
    reporter = PlainReporter()
    reporter(ChangeSetCreating(STACK, "pipekit-1", "UPDATE"))
    assert any(t.name == "pipekit-heartbeat" for t in threading.enumerate())
    reporter.stop()
    assert not any(t.name == "pipekit-heartbeat" for t in threading.enumerate())


def test_plain_reporter_beats_for_a_change_set_being_created_and_stops_at_review(capsys):
    reporter = PlainReporter()
    clock = FakeClock()
    reporter._heartbeat = Heartbeat(reporter.say, clock)
    reporter(ChangeSetCreating(STACK, "pipekit-1", "UPDATE"))
    clock.now += 31
    reporter._heartbeat.tick()
    reporter.stop()
    clock.now += 31
    reporter._heartbeat.tick()
    out = capsys.readouterr().out.splitlines()
    assert out == [f"{STACK}: creating UPDATE change set pipekit-1", f"{STACK}: still creating change set pipekit-1 (31s)"]


def test_a_change_set_ready_for_review_ends_the_wait(monkeypatch):
    from pipekit.release.deploy import ChangeSetReady

    reporter = PlainReporter()
    clock = FakeClock()
    reporter._heartbeat = Heartbeat(reporter.say, clock)
    monkeypatch.setattr(reporter, "change_set", lambda review: None)  # the review's lines are not this test's
    reporter(ChangeSetCreating(STACK, "pipekit-1", "UPDATE"))
    reporter(ChangeSetReady(review=None))
    clock.now += 31
    assert reporter._heartbeat.tick() is None
    reporter.stop()


def test_json_output_has_no_heartbeat():
    reporter = JsonReporter()
    reporter(ChangeSetCreating(STACK, "pipekit-1", "UPDATE"))
    reporter.executing(STACK, "pipekit-1")
    assert reporter._heartbeat is None


def test_the_live_view_has_no_heartbeat_its_clock_moves():
    reporter = LiveReporter()
    reporter.waiting(STACK, "creating change set pipekit-1")
    assert reporter._heartbeat is None
