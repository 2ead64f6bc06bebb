"""pipekit status --watch: the report of recovery/status.py read again and again, each
change shown once. The CLI runs against botocore's Stubber accounts (stubbed_aws.py;
moto has no CodeDeploy deployments or pipeline state)."""

from __future__ import annotations

import copy
import json

import pytest

from test_rollback_status import FUNCTION, RESOURCES, deployment, run, stack, stub_status_pipeline
from pipekit.recovery.status_watch import changed_parts, watch


def report(weights=None, approvals=()):
    return {"project": "orders", "environments": [{
        "environment": "prod", "account": "prod", "account_id": "333333333333", "errors": [], "deployments": [], "alarms": [],
        "stack": {"name": "orders-svc-prod", "status": "UPDATE_IN_PROGRESS", "last_updated": None},
        "functions": [{"function": "fn", "alias": "live", "version": "7", "weights": weights or {"7": 1.0}, "shifting": bool(weights)}]}],
        "pipeline": {"name": "orders", "stages": [], "waiting_approvals": list(approvals), "errors": []}}


def test_the_first_read_shows_everything_and_later_ones_only_what_changed():
    first = report()
    assert changed_parts(None, first) == [f"prod: {p}" for p in ("stack", "functions", "deployments", "alarms", "errors")] + [
        "pipeline: stages", "pipeline: waiting_approvals", "pipeline: errors"]
    assert changed_parts(first, copy.deepcopy(first)) == []
    assert changed_parts(first, report({"7": 0.9, "8": 0.1})) == ["prod: functions"]
    assert changed_parts(first, report(approvals=[{"stage": "Prod"}])) == ["pipeline: waiting_approvals"]


def test_watch_reports_a_change_once_and_waits_the_interval_between_reads():
    reads = iter([report(), report(), report({"7": 0.9, "8": 0.1})])
    seen, slept = [], []
    watch(lambda: next(reads), lambda r, changes: seen.append(changes), interval=5, sleep=slept.append, reads=3)
    assert len(seen) == 2 and seen[1] == ["prod: functions"]
    assert slept == [5, 5]


def stub_prod(aws, weight, alarm_state):
    prod = aws.accounts["prod"]
    prod.stub("cloudformation").add_response("describe_stacks", stack("UPDATE_IN_PROGRESS"))
    prod.stub("cloudformation").add_response("describe_stack_resources", RESOURCES)
    prod.stub("lambda").add_response("get_alias", {"Name": "live", "FunctionVersion": "7",
                                                   "RoutingConfig": {"AdditionalVersionWeights": {"8": weight}}})
    prod.stub("codedeploy").add_response("list_deployments", {"deployments": ["d-ABCDEF123"]})
    prod.stub("codedeploy").add_response("get_deployment", deployment("InProgress", succeeded=0))
    prod.stub("cloudwatch").add_response("describe_alarms", {"MetricAlarms": [
        {"AlarmName": "orders-svc-prod-OrdersApi-new-version-errors", "StateValue": alarm_state, "StateReason": "threshold"}]},
        {"AlarmNames": ["orders-svc-prod-OrdersApi-new-version-errors", "orders-svc-prod-api-5xx"], "AlarmTypes": ["MetricAlarm"]})
    stub_status_pipeline(aws)


def test_watch_off_a_terminal_prints_one_json_object_per_change_and_ctrl_c_is_exit_0(project, aws, monkeypatch):
    stub_prod(aws, 0.1, "OK")
    stub_prod(aws, 0.1, "OK")  # nothing changed: nothing printed
    stub_prod(aws, 0.2, "ALARM")
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        if len(sleeps) == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr("pipekit.recovery.status_watch.time.sleep", sleep)
    result = run(project, "status", "--env", "prod", "--watch", "--interval", "2")

    assert result.exit_code == 0, result.output
    aws.assert_done()
    documents = [json.loads(line) for line in result.output.splitlines()]
    assert len(documents) == 2 and sleeps == [2, 2, 2]
    first, second = documents
    assert "prod: alarms" in first["changed"] and "pipeline: waiting_approvals" in first["changed"]
    assert second["changed"] == ["prod: functions", "prod: alarms"]
    env = second["status"]["environments"][0]
    assert env["functions"][0]["weights"] == {"7": 0.8, "8": 0.2}
    assert env["alarms"] == [{"name": "orders-svc-prod-OrdersApi-new-version-errors", "state": "ALARM", "reason": "threshold", "since": None}]
    assert second["status"]["pipeline"]["waiting_approvals"][0]["answer_with"] == "pipekit approve --env prod"


def test_watch_on_a_terminal_redraws_in_place(monkeypatch):
    import io

    from rich.console import Console

    from pipekit.ui.status import WatchView

    screen = Console(file=io.StringIO(), force_terminal=True, color_system=None, width=120)
    monkeypatch.setattr("pipekit.ui.console.out", lambda: screen)
    view = WatchView(5, as_json=False)
    view.changed(report(), ["prod: functions"])
    view.changed(report({"7": 0.9, "8": 0.1}), ["prod: functions"])
    view.close()
    drawn = screen.file.getvalue()
    assert "fn:live -> v7 90%, v8 10%  traffic shifting" in drawn and "Ctrl-C stops" in drawn
    assert not drawn.lstrip().startswith("{")


@pytest.mark.parametrize("interval", ["0", "0.5"])
def test_an_interval_under_a_second_is_refused(project, interval, monkeypatch):
    def ctrl_c(seconds):  # a watch that started would end here with exit 0
        raise KeyboardInterrupt

    monkeypatch.setattr("pipekit.recovery.status_watch.time.sleep", ctrl_c)
    result = run(project, "status", "--watch", "--interval", interval)
    assert result.exit_code == 2 and "--interval" in result.output and "Traceback" not in result.output
