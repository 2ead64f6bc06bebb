"""pipekit status reads environments at once, keeps the config's order, and fills in a
live view on a terminal (botocore Stubber accounts, see stubbed_aws.py)."""

from __future__ import annotations

import io
import threading

import pytest

from rich.console import Console

from pipekit.errors import PipekitError
from test_rollback_status import RESOURCES, run, stack, stub_status_pipeline


def test_environments_are_read_at_once_and_printed_in_the_configs_order(project, aws, monkeypatch):
    """dev's account answers only after prod's stack was read: read one after the other,
    dev would wait for prod in vain; read at once, both arrive and dev still comes first."""
    prod = aws.accounts["prod"]
    prod.stub("cloudformation").add_response("describe_stacks", stack("UPDATE_COMPLETE"))
    prod.stub("cloudformation").add_response("describe_stack_resources", {"StackResources": []})
    prod.stub("cloudwatch").add_response("describe_alarms", {"MetricAlarms": []})
    prod_read = threading.Event()
    prod.client("cloudformation").meta.events.register("after-call.cloudformation.DescribeStacks", lambda **_: prod_read.set())
    stub_status_pipeline(aws)
    waited = []
    original = aws.open_account

    def open_account(accounts, account, overrides=None):
        if account == "dev":
            waited.append(prod_read.wait(timeout=5))
            raise PipekitError("account dev: the SSO session has expired or is missing")
        return original(accounts, account, overrides)

    monkeypatch.setattr("pipekit.aws.sessions.open_account", open_account)
    result = run(project, "status")
    assert result.exit_code == 0, result.output
    assert waited == [True, True]  # the second: the setup section, read after the environments
    aws.assert_done()
    lines = result.output.splitlines()
    assert lines.index("dev (account dev, 222222222222)") < lines.index("prod (account prod, 333333333333)") < lines.index("pipeline orders")
    assert "  stack orders-svc-prod: UPDATE_COMPLETE (updated 2026-11-27T10:30:00+00:00)" in lines


def test_on_a_terminal_each_environment_fills_in_as_it_arrives(monkeypatch, capsys):
    from pipekit.ui.status import StatusView

    screen = Console(file=io.StringIO(), force_terminal=True, width=100, color_system=None)  # colour is tested in test_status_output.py
    monkeypatch.setattr("pipekit.ui.console.out", lambda: screen)
    env = {"environment": "prod", "account": "prod", "account_id": "333333333333", "functions": [], "deployments": [], "errors": [],
           "stack": {"name": "orders-svc-prod", "status": "UPDATE_COMPLETE", "last_updated": None}}
    view = StatusView(["dev", "prod"])
    view.arrived(1, env)
    drawn = screen.file.getvalue()
    assert "dev ... reading" in drawn and "stack orders-svc-prod: UPDATE_COMPLETE" in drawn
    view.arrived(0, {**env, "environment": "dev", "account": "dev", "stack": None})
    view.close({"pipeline": {"name": "orders", "stages": [], "waiting_approvals": [], "errors": []}})
    assert "dev (account dev, 333333333333)" in screen.file.getvalue()
    after_live = screen.file.getvalue().split("\x1b[?25h")[-1]  # what came once the live view ended (cursor shown again)
    assert after_live == "pipeline orders\n"  # the environments went to the live view, not printed twice


def test_sessions_share_one_loader_but_not_their_event_handlers():
    """Service models are read once per process; each account keeps its own hooks."""
    from pipekit.aws.sessions import new_session

    first, second = new_session(), new_session(profile="orders-dev")
    assert first.get_component("data_loader") is second.get_component("data_loader")
    assert first.get_component("event_emitter") is not second.get_component("event_emitter")
    assert second.profile == "orders-dev"
    # botocore's built-in handlers were copied in: S3's bucket-name check is one of them.
    client = first.create_client("s3", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="y")
    with pytest.raises(Exception, match="Invalid bucket name"):
        client.put_object(Bucket="not/a/bucket", Key="k", Body=b"")


def test_setup_stacks_are_read_at_once_and_listed_in_setup_order(project, monkeypatch):
    """dev's target stack answers only after prod's was asked for: read one after the
    other, dev would wait in vain; read at once, both answer and the order is kept."""
    from pipekit.config.load import load_config
    from pipekit.recovery.setup_status import setup_status

    monkeypatch.setattr("pipekit.release.overlap.IN_ORDER", False)
    prod_asked, waited = threading.Event(), []

    class Stacks:
        def __init__(self, account):
            self.account = account

        def describe_stack(self, name):
            if self.account == "prod":
                prod_asked.set()
            if self.account == "dev":
                waited.append(prod_asked.wait(timeout=5))
            return None if self.account == "dev" else type("Stack", (), {"status": "CREATE_COMPLETE"})()

    report = setup_status(load_config(project / "pipekit.yaml"), lambda account, service: Stacks(account))
    assert waited == [True]
    assert [entry["account"] for entry in report["stacks"]] == ["build", "dev", "prod", "build"]
    assert [entry["in_place"] for entry in report["stacks"]] == [True, False, True, True]
    assert [step["account"] for step in report["to_deploy"]] == ["dev"]


def test_an_environments_aliases_and_traffic_shifts_are_read_at_once(project, monkeypatch):
    """The alias read answers only after the deployments were asked for: read one after
    the other it would wait in vain; the errors keep the order the reads are written in."""
    from pipekit.config.load import load_config
    from pipekit.recovery.status import environment_status
    from test_rollback_status import RESOURCES

    monkeypatch.setattr("pipekit.release.overlap.IN_ORDER", False)
    deployments_asked, waited = threading.Event(), []

    class Aws:
        def describe_stack(self, name):
            return type("Stack", (), {"status": "UPDATE_COMPLETE", "last_updated": None})()

        def resources(self, name):
            return RESOURCES["StackResources"]

        def alias(self, function):
            waited.append(deployments_asked.wait(timeout=5))
            raise RuntimeError("alias unreadable")

        def active_deployments(self, application, group):
            deployments_asked.set()
            raise RuntimeError("deployments unreadable")

        def alarms(self, alarm_names):
            raise RuntimeError("alarms unreadable")

    report = environment_status(load_config(project / "pipekit.yaml"), "prod", lambda account, service: Aws())
    assert waited == [True]
    assert [error.split(":")[0] for error in report["errors"]] == [f"alias of {RESOURCES['StackResources'][0]['PhysicalResourceId']}",
                                                                 f"deployments of {RESOURCES['StackResources'][3]['PhysicalResourceId']}", "alarms"]


def test_threads_asking_for_a_service_model_at_once_read_and_parse_it_once(monkeypatch):
    """Every account creates its clients at the same moment: botocore's loader caches each
    answer, but each thread that asked before the first answer was cached did the work
    again (at 20 accounts, most of status's system time)."""
    from pipekit.aws.sessions import _loader

    loader = _loader(None)
    reads, original = [], loader.file_loader.load_file

    def slow_read(path):
        reads.append(path)
        threading.Event().wait(0.05)  # the read takes a while: the other threads ask meanwhile
        return original(path)

    monkeypatch.setattr(loader.file_loader, "load_file", slow_read)
    start, models = threading.Barrier(6), []

    def ask():
        start.wait()
        models.append(loader.load_service_model("cloudformation", "service-2"))

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(models) == 6 and all(model is models[0] for model in models)
    assert len([path for path in reads if path.endswith("service-2")]) == 1


def test_a_throttled_setup_stack_is_read_again_after_a_wait(project, monkeypatch):
    """As the environments' reads: AWS still throttling after botocore's own retries is
    waited out, not reported as the stack being unreadable."""
    from botocore.exceptions import ClientError

    from pipekit.config.load import load_config
    from pipekit.recovery.setup_status import setup_status

    waits = []
    monkeypatch.setattr("pipekit.release.polling.Backoff.wait", lambda self: waits.append(self.next_delay()))
    throttled = {"dev": 2}

    class Stacks:
        def __init__(self, account):
            self.account = account

        def describe_stack(self, name):
            if throttled.get(self.account):
                throttled[self.account] -= 1
                raise ClientError({"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}, "DescribeStacks")
            return type("Stack", (), {"status": "CREATE_COMPLETE"})()

    report = setup_status(load_config(project / "pipekit.yaml"), lambda account, service: Stacks(account))
    assert report["errors"] == []
    assert [entry["in_place"] for entry in report["stacks"]] == [True, True, True, True]
    assert len(waits) == 2 and waits[1] > waits[0] >= 0.9  # waited, longer the second time


def test_the_stacks_resources_and_alarms_are_asked_for_while_the_stack_is_read(project, monkeypatch):
    """The stack's read answers only after its resources and alarms were asked for: read
    one after the other it would wait in vain. What they say counts once the stack is there."""
    from pipekit.config.load import load_config
    from pipekit.recovery.status import environment_status

    monkeypatch.setattr("pipekit.release.overlap.IN_ORDER", False)
    asked = {"resources": threading.Event(), "alarms": threading.Event()}
    waited = []

    class Aws:
        deployed = True

        def describe_stack(self, name):
            waited.append(all(event.wait(timeout=5) for event in asked.values()))
            return type("Stack", (), {"status": "UPDATE_COMPLETE", "last_updated": None})() if self.deployed else None

        def resources(self, name):
            asked["resources"].set()
            if not self.deployed:
                raise RuntimeError(f"Stack with id {name} does not exist")
            return []

        def alarms(self, alarm_names):
            asked["alarms"].set()
            return [type("Alarm", (), {"name": alarm_names[0], "state": "OK", "reason": "fine", "since": None})()]

    aws = Aws()
    cfg = load_config(project / "pipekit.yaml")
    report = environment_status(cfg, "prod", lambda account, service: aws)
    assert waited == [True]
    assert report["stack"]["status"] == "UPDATE_COMPLETE" and report["alarms"][0]["state"] == "OK" and report["errors"] == []
    aws.deployed = False
    report = environment_status(cfg, "prod", lambda account, service: aws)
    assert report["stack"] is None and report["alarms"] == [] and report["errors"] == []  # not deployed: nothing else to say


def test_the_pipelines_state_and_executions_are_read_at_once(project, monkeypatch):
    from pipekit.config.load import load_config
    from pipekit.recovery.status import pipeline_status

    monkeypatch.setattr("pipekit.release.overlap.IN_ORDER", False)
    executions_asked, waited = threading.Event(), []

    class Pipeline:
        def state(self, name):
            waited.append(executions_asked.wait(timeout=5))
            raise RuntimeError("state unreadable")

        def executions(self, name, count):
            executions_asked.set()
            raise RuntimeError("executions unreadable")

    report = pipeline_status(load_config(project / "pipekit.yaml"), lambda account, service: Pipeline())
    assert waited == [True]
    assert report["errors"] == ["pipeline state: state unreadable", "executions: executions unreadable"]  # in the order written
