"""The traffic hooks' code, with the botocore Stubber for CodeDeploy, Lambda and CloudWatch
(every request checked against the real API model)."""

from __future__ import annotations

import datetime
import importlib
import io
import json
import sys

import boto3
from botocore.response import StreamingBody
from botocore.stub import ANY, Stubber

from conftest import REPO

HOOKS = REPO / "src" / "pipekit" / "templates" / "service" / "hooks"
sys.path.insert(0, str(HOOKS))
hooklib = importlib.import_module("hooklib")
pre_traffic = importlib.import_module("pre_traffic")
post_traffic = importlib.import_module("post_traffic")

VERSION = "arn:aws:lambda:eu-west-1:222222222222:function:orders-svc-dev-OrdersApiFunction-AbC:7"
EVENT = {"DeploymentId": "d-ABCDEF123", "LifecycleEventHookExecutionId": "eyJlbmNyeXB0ZWREYXRhIjoi"}
HEALTH = {"name": "health", "method": "GET", "path": "/health", "expect_status": 200, "expect_json": {"status": "ok"}}


def client(service):
    return boto3.client(service, region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="y")


def http_response(status, body, function_error=None):
    payload = json.dumps({"statusCode": status, "headers": {"content-type": "application/json"}, "body": json.dumps(body) if not isinstance(body, str) else body, "isBase64Encoded": False}).encode()
    response = {"StatusCode": 200, "Payload": StreamingBody(io.BytesIO(payload), len(payload))}
    if function_error:
        response["FunctionError"] = function_error
    return response


def raw_response(value, function_error=None):
    payload = json.dumps(value).encode()
    response = {"StatusCode": 200, "Payload": StreamingBody(io.BytesIO(payload), len(payload))}
    if function_error:
        response["FunctionError"] = function_error
    return response


class Clock:
    def __init__(self, step=0.0):
        self.now, self.step = 0.0, step

    def __call__(self):
        self.now += self.step
        return self.now


def run(checks, responses, budget=30.0, clock=None):
    """run_checks against a stubbed Lambda client; returns (ok, reason, requests made)."""
    lam = client("lambda")
    with Stubber(lam) as stub:
        for response in responses:
            if isinstance(response, Exception):
                stub.add_client_error("invoke", "ServiceException", str(response), 500)
            else:
                stub.add_response("invoke", response, {"FunctionName": VERSION, "InvocationType": "RequestResponse", "Payload": ANY})
        clock = clock or Clock()
        ok, reason = pre_traffic.run_checks(lambda timeout: lam, VERSION, checks, clock() + budget, clock)
        stub.assert_no_pending_responses()
    return ok, reason


def test_a_passing_smoke_check_invokes_the_new_version_with_an_http_api_event():
    lam = client("lambda")
    seen = {}
    with Stubber(lam) as stub:
        stub.add_response("invoke", http_response(200, {"status": "ok", "version": "1.2.3"}),
                          {"FunctionName": VERSION, "InvocationType": "RequestResponse", "Payload": ANY})
        original = lam.invoke

        def spy(**kwargs):
            seen.update(kwargs)
            return original(**kwargs)

        ok, reason = pre_traffic.run_checks(lambda t: type("C", (), {"invoke": staticmethod(spy)})(), VERSION, [HEALTH], 30.0, Clock())
    assert ok, reason
    event = json.loads(seen["Payload"])
    assert seen["FunctionName"] == VERSION  # the version, not the alias
    assert event["version"] == "2.0" and event["rawPath"] == "/health"
    assert event["requestContext"]["http"]["method"] == "GET"


def test_wrong_status_fails():
    ok, reason = run([HEALTH], [http_response(500, {"title": "boom"})])
    assert not ok and "health: status 500, expected 200" in reason


def test_missing_json_field_fails():
    ok, reason = run([HEALTH], [http_response(200, {"state": "ok"})])
    assert not ok and "JSON field 'status' is missing" in reason


def test_wrong_json_value_fails():
    ok, reason = run([HEALTH], [http_response(200, {"status": "degraded"})])
    assert not ok and "JSON field 'status' is 'degraded', expected 'ok'" in reason


def test_missing_text_fails():
    check = {"name": "home", "method": "GET", "path": "/", "expect_text": "Welcome"}
    ok, reason = run([check], [http_response(200, "Service unavailable")])
    assert not ok and "does not contain 'Welcome'" in reason


def test_function_error_fails_with_what_it_raised():
    ok, reason = run([HEALTH], [raw_response({"errorMessage": "TABLE_NAME is not set", "errorType": "InvalidOperationException"}, "Unhandled")])
    assert not ok and "the function raised" in reason and "TABLE_NAME is not set" in reason


def test_invoke_error_fails():
    ok, reason = run([HEALTH], [RuntimeError("Lambda is unavailable")])
    assert not ok and "invoke failed" in reason


def test_time_budget_exceeded_skips_the_rest_and_fails():
    second = {"name": "orders", "method": "GET", "path": "/orders/x", "expect_status": 404}
    ok, reason = run([HEALTH, second], [http_response(200, {"status": "ok"})], budget=5.0, clock=Clock(step=4.0))
    assert not ok
    assert "orders: time budget exceeded before it could run" in reason


def test_a_plain_function_check_compares_the_result():
    check = {"name": "echo", "payload": {"ping": 1}, "expect_result": {"pong": 1}}
    assert run([check], [raw_response({"pong": 1})])[0]
    ok, reason = run([check], [raw_response({"pong": 2})])
    assert not ok and 'returned {"pong": 2}' in reason


def test_no_checks_is_a_failure_not_a_pass():
    ok, reason = pre_traffic.run_checks(lambda t: None, VERSION, [], 30.0, Clock())
    assert not ok and "nothing proves" in reason


def stub_report(codedeploy_stub, status):
    codedeploy_stub.add_response("put_lifecycle_event_hook_execution_status", {"lifecycleEventHookExecutionId": EVENT["LifecycleEventHookExecutionId"]},
                                 {"deploymentId": EVENT["DeploymentId"], "lifecycleEventHookExecutionId": EVENT["LifecycleEventHookExecutionId"], "status": status})


def test_an_exception_inside_a_hook_still_reports_failed(capsys):
    codedeploy = client("codedeploy")

    def broken():
        raise KeyError("smoke_checks")

    with Stubber(codedeploy) as stub:
        stub_report(stub, "Failed")
        result = hooklib.run_hook(EVENT, None, codedeploy, broken)
        stub.assert_no_pending_responses()
    assert result["status"] == "Failed" and "KeyError" in result["reason"]
    logs = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert any(record["level"] == "ERROR" and record["message"] == "hook raised" for record in logs)


def test_pre_traffic_handler_end_to_end(monkeypatch, capsys):
    codedeploy, lam = client("codedeploy"), client("lambda")
    monkeypatch.setenv("TARGET_VERSION_ARN", VERSION)
    monkeypatch.setenv("HOOK_SETTINGS", json.dumps({"smoke_checks": [HEALTH], "time_budget_seconds": 20}))
    monkeypatch.setattr(pre_traffic.boto3, "client", lambda service, **kwargs: {"codedeploy": codedeploy, "lambda": lam}[service])
    context = type("Context", (), {"get_remaining_time_in_millis": staticmethod(lambda: 600_000)})()
    with Stubber(codedeploy) as cd, Stubber(lam) as lm:
        lm.add_response("invoke", http_response(200, {"status": "ok"}))
        stub_report(cd, "Succeeded")
        assert pre_traffic.handler(EVENT, context)["status"] == "Succeeded"
        cd.assert_no_pending_responses()
    logs = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {"smoke check passed", "hook verdict: Succeeded"} <= {r["message"] for r in logs}


AT = datetime.datetime(2026, 11, 27, 12, 0, tzinfo=datetime.timezone.utc)
ALARMS = ["orders-svc-prod-OrdersApi-new-version-errors", "orders-svc-prod-api-5xx"]


def health(alarm_states, error_values, settings=None):
    cloudwatch = client("cloudwatch")
    with Stubber(cloudwatch) as stub:
        stub.add_response("describe_alarms", {"MetricAlarms": [
            {"AlarmName": name, "StateValue": state, "StateReason": f"Threshold crossed: {name}"} for name, state in zip(ALARMS, alarm_states)
        ]}, {"AlarmNames": ALARMS})
        stub.add_response("get_metric_data", {"MetricDataResults": [{"Id": "errors", "Values": error_values, "StatusCode": "Complete"}]},
                          {"MetricDataQueries": ANY, "StartTime": AT - datetime.timedelta(minutes=(settings or {}).get("window_minutes", 10)), "EndTime": AT})
        result = post_traffic.check_health(cloudwatch, ALARMS, "orders-svc-prod-OrdersApiFunction-AbC", VERSION, settings or {}, AT)
        stub.assert_no_pending_responses()
    return result


def test_post_traffic_passes_when_quiet():
    ok, reason = health(["OK", "OK"], [0.0, 0.0])
    assert ok and "version 7 had 0 errors" in reason


def test_an_alarm_in_alarm_fails():
    ok, reason = health(["OK", "ALARM"], [0.0])
    assert not ok and "alarm orders-svc-prod-api-5xx is in ALARM" in reason


def test_errors_over_the_threshold_fail():
    ok, reason = health(["OK", "OK"], [1.0, 2.0], {"window_minutes": 5, "max_errors": 2})
    assert not ok and "version 7 had 3 errors in the last 5 minutes (allowed: 2)" in reason
    assert health(["OK", "OK"], [1.0, 1.0], {"window_minutes": 5, "max_errors": 2})[0]


def test_errors_are_counted_for_the_new_version_only():
    cloudwatch = client("cloudwatch")
    query = [{
        "Id": "errors",
        "MetricStat": {
            "Metric": {"Namespace": "AWS/Lambda", "MetricName": "Errors", "Dimensions": [
                {"Name": "FunctionName", "Value": "fn"}, {"Name": "Resource", "Value": "fn:live"}, {"Name": "ExecutedVersion", "Value": "7"},
            ]},
            "Period": 60,
            "Stat": "Sum",
        },
        "ReturnData": True,
    }]
    with Stubber(cloudwatch) as stub:
        stub.add_response("get_metric_data", {"MetricDataResults": [{"Id": "errors", "Values": [4.0, 1.0]}]},
                          {"MetricDataQueries": query, "StartTime": AT - datetime.timedelta(minutes=10), "EndTime": AT})
        assert post_traffic.new_version_errors(cloudwatch, "fn", "7", 10, AT) == 5.0
