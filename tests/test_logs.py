"""pipekit logs. Reading a window runs against moto in server mode (FilterLogEvents,
GetAlias and the stack's resources in the prod account, reached by assume-role); the
live tail runs against a hand-built event stream parsed by botocore itself
(eventstream_aws.py), since moto's server cannot stream one."""

from __future__ import annotations

import io
import json
import time
import zipfile

import pytest
from click.testing import CliRunner

from conftest import example_data, write_config
from eventstream_aws import LiveTailClient, session
from pipekit.aws.lambda_ import Alias
from pipekit.aws.logs import Logs
from pipekit.cli import main
from pipekit.errors import UsageError
from pipekit.recovery import logs as core

PROD = "333333333333"
STACK = "orders-svc-prod"
GROUP = f"/aws/lambda/{STACK}-OrdersApi"
PRE_HOOK = f"/aws/lambda/{STACK}-OrdersApi-pre-traffic-hook"


@pytest.fixture
def project(tmp_path, moto_aws):
    root = tmp_path / "orders"
    write_config(root, example_data())
    return root


def logs(project, *args):
    return CliRunner().invoke(main, ["--config", str(project / "pipekit.yaml"), "logs", *args])


def put(moto_aws, group, stream, *messages, at=None):
    client = moto_aws.client(PROD, "logs")
    if group not in {g["logGroupName"] for g in client.describe_log_groups(logGroupNamePrefix=group)["logGroups"]}:
        client.create_log_group(logGroupName=group)
    client.create_log_stream(logGroupName=group, logStreamName=stream)
    now = at or int(time.time() * 1000) - 60_000
    client.put_log_events(logGroupName=group, logStreamName=stream,
                          logEvents=[{"timestamp": now + i, "message": m} for i, m in enumerate(messages)])


def json_lines(result):
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines()]


def test_every_function_and_hook_line_oldest_first_hook_json_as_structured_events(project, moto_aws):
    now = int(time.time() * 1000) - 120_000
    put(moto_aws, GROUP, "2026/11/28/[7]aaa", "START RequestId: 1 Version: 7", at=now + 50)
    put(moto_aws, GROUP, "2026/11/28/[8]bbb", json.dumps({"timestamp": "x", "level": "INFO", "message": "order placed", "requestId": "r-1"}), at=now + 10)
    put(moto_aws, PRE_HOOK, "2026/11/28/[$LATEST]ccc",
        json.dumps({"level": "INFO", "message": "smoke check passed", "check": "health", "seconds": 0.2, "target_version": "8"}), at=now + 30)

    entries = json_lines(logs(project, "--env", "prod", "--format", "json"))

    assert [e["message"] for e in entries] == ["order placed", "smoke check passed", "START RequestId: 1 Version: 7"]
    placed, hook, start = entries
    assert (placed["version"], placed["level"], placed["fields"]) == ("8", "INFO", {"requestId": "r-1"})
    assert (hook["source"], hook["version"], hook["level"]) == ("pre-traffic hook", "8", "INFO")
    assert hook["fields"] == {"check": "health", "seconds": 0.2, "target_version": "8"}
    assert (start["version"], start["level"], start["function"]) == ("7", "", "OrdersApi")


def test_lines_older_than_since_are_left_out(project, moto_aws):
    old = int(time.time() * 1000) - 3 * 3600 * 1000
    put(moto_aws, GROUP, "2026/11/28/[7]old", "three hours ago", at=old)
    put(moto_aws, GROUP, "2026/11/28/[7]new", "a minute ago")

    assert [e["message"] for e in json_lines(logs(project, "--env", "prod", "--format", "json"))] == ["a minute ago"]
    assert [e["message"] for e in json_lines(logs(project, "--env", "prod", "--since", "4h", "--format", "json"))] == [
        "three hours ago", "a minute ago"]


def _shifting_function(moto_aws):
    """A stack whose OrdersApiFunction's live alias keeps version 1 and sends 10% to 2."""
    iam = moto_aws.client(PROD, "iam")
    role = iam.create_role(RoleName="fn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    template = {"Resources": {"OrdersApiFunction": {"Type": "AWS::Lambda::Function", "Properties": {
        "Runtime": "python3.12", "Handler": "a.b", "Role": role, "Code": {"ZipFile": "x"}}}}}
    cf = moto_aws.client(PROD, "cloudformation")
    cf.create_stack(StackName=STACK, TemplateBody=json.dumps(template))
    name = cf.describe_stack_resources(StackName=STACK)["StackResources"][0]["PhysicalResourceId"]
    lam = moto_aws.client(PROD, "lambda")
    lam.publish_version(FunctionName=name)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.py", "def b(e, c): return 2")
    lam.update_function_code(FunctionName=name, ZipFile=buffer.getvalue())
    assert lam.publish_version(FunctionName=name)["Version"] == "2"
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1", RoutingConfig={"AdditionalVersionWeights": {"2": 0.1}})


def test_version_new_shows_only_the_new_versions_lines_during_a_shift(project, moto_aws):
    _shifting_function(moto_aws)
    put(moto_aws, GROUP, "2026/11/28/[1]old", "from the old version")
    put(moto_aws, GROUP, "2026/11/28/[2]new", "from the new version")
    put(moto_aws, PRE_HOOK, "2026/11/28/[$LATEST]h", json.dumps({"level": "INFO", "message": "checked 2", "target_version": "2"}),
        json.dumps({"level": "INFO", "message": "checked 1", "target_version": "1"}))

    new = [e["message"] for e in json_lines(logs(project, "--env", "prod", "--version", "new", "--format", "json"))]
    old = [e["message"] for e in json_lines(logs(project, "--env", "prod", "--version", "old", "--format", "json"))]
    live = [e["message"] for e in json_lines(logs(project, "--env", "prod", "--version", "live", "--format", "json"))]

    assert new == ["from the new version", "checked 2"]
    assert old == ["from the old version", "checked 1"]
    assert sorted(live) == sorted(new + old)


def test_errors_keeps_error_levels_and_timeouts_only(project, moto_aws):
    put(moto_aws, GROUP, "2026/11/28/[7]a",
        json.dumps({"level": "INFO", "message": "fine"}),
        json.dumps({"level": "ERROR", "message": "payment failed"}),
        "2026-11-28T10:00:00Z 1 Task timed out after 15.00 seconds",
        "an ordinary text line")

    result = logs(project, "--env", "prod", "--errors")

    assert result.exit_code == 0, result.output
    assert "payment failed" in result.output and "Task timed out" in result.output
    assert "fine" not in result.output and "ordinary" not in result.output


def test_a_function_that_never_ran_has_no_lines_and_is_no_error(project, moto_aws):
    result = logs(project, "--env", "prod", "--function", "OrdersApi")
    assert result.exit_code == 0 and result.output == ""


@pytest.mark.parametrize("args, message", [
    (("--since", "10 minutes"), "--since '10 minutes': expected a number and a unit"),
    (("--version", "newest"), "--version 'newest': expected live, new, old or a version number"),
    (("--function", "Nope"), "unknown function 'Nope' (known: OrdersApi"),
    (("--env", "qa"), "unknown environment 'qa'"),
])
def test_bad_options_are_one_line_and_exit_2(project, args, message):
    base = ["--env", "prod"] if "--env" not in args else []
    result = logs(project, *base, *args)
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output


# ---------------------------------------------------------------- pure parts


def test_stream_names_carry_the_version():
    assert core.stream_version("2026/11/28/[12]0f1e2d") == "12"
    assert core.stream_version("2026/11/28/[$LATEST]0f1e2d") == "$LATEST"
    assert core.stream_version("pipekit-hand-made") == ""


def test_selectors_follow_the_alias_routing():
    shifting = Alias("fn", "live", "4", {"4": 0.9, "5": 0.1})
    settled = Alias("fn", "live", "5", {"5": 1.0})
    assert core.selected_versions(shifting, "new") == {"5"}
    assert core.selected_versions(shifting, "old") == {"4"}
    assert core.selected_versions(shifting, "live") == {"4", "5"}
    assert core.selected_versions(settled, "new") == {"5"} == core.selected_versions(settled, "live")
    assert core.selected_versions(settled, "3") == {"3"}
    with pytest.raises(UsageError, match="not shifting traffic"):
        core.selected_versions(settled, "old")


def test_since_units():
    assert [core.since_seconds(t) for t in ("30s", "10m", "2h", "1d")] == [30, 600, 7200, 86400]
    with pytest.raises(UsageError, match="--since '0m'"):
        core.since_seconds("0m")  # an empty window reads nothing


# ---------------------------------------------------------------- the live tail


ARN = f"arn:aws:logs:eu-west-1:{PROD}:log-group:{GROUP}"


def _result(stream, message, timestamp):
    return {"logGroupIdentifier": ARN, "logStreamName": stream, "message": message, "timestamp": timestamp, "ingestionTime": timestamp}


def test_follow_keeps_the_selected_version_and_starts_a_new_session_when_one_times_out(example_config):
    client = LiveTailClient([
        session([_result("2026/11/28/[1]a", "old one", 1), _result("2026/11/28/[2]b", "new one", 2)], end_with="SessionTimeoutException"),
        session([_result("2026/11/28/[2]b", "after the restart", 3)]),
    ])
    groups = core.sources(example_config, example_config.environment("prod"), STACK, "OrdersApi")[:1]
    selection = core.Selection({"OrdersApi": frozenset({"2"})})

    seen = list(core.follow(Logs(client.client), groups, lambda g: ARN, selection))

    assert [(e.message, e.version) for e in seen] == [("new one", "2"), ("after the restart", "2")]
    assert client.requests == [{"logGroupIdentifiers": [ARN]}] * 2
    assert all(raw.closed for raw in client.raws)


def test_follow_asks_the_service_for_error_lines_only_with_errors(example_config):
    client = LiveTailClient([session([_result("2026/11/28/[2]b", json.dumps({"level": "ERROR", "message": "boom"}), 1),
                                      _result("2026/11/28/[2]b", json.dumps({"level": "INFO", "message": "ok"}), 2)])])
    groups = core.sources(example_config, example_config.environment("prod"), STACK, "OrdersApi")[:1]

    seen = list(core.follow(Logs(client.client), groups, lambda g: ARN, core.Selection(None, errors_only=True)))

    assert [e.message for e in seen] == ["boom"]
    assert client.requests[0]["logEventFilterPattern"] == core.ERROR_PATTERN


def test_follow_refuses_more_log_groups_than_a_session_takes(example_config):
    groups = [core.LogSource(f"/aws/lambda/g{i}", "OrdersApi", "function") for i in range(11)]
    with pytest.raises(UsageError, match="at most 10 log groups"):
        list(core.follow(Logs(None), groups, lambda g: g, core.Selection()))


def test_ctrl_c_ends_follow_with_exit_0(project, moto_aws, monkeypatch):
    def interrupted(self, arns, pattern=None):
        raise KeyboardInterrupt
        yield  # a generator, as the real one

    monkeypatch.setattr(Logs, "live_tail", interrupted)
    put(moto_aws, GROUP, "2026/11/28/[7]a", "before the follow")
    result = logs(project, "--env", "prod", "--follow")
    assert result.exit_code == 0 and "before the follow" in result.output
