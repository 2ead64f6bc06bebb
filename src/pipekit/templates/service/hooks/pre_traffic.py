"""PreTraffic hook: before CodeDeploy moves any traffic, invoke the NEW version directly
(its version ARN, not the alias, which still points at the old one) with each smoke
check, within a time budget. Any failed check fails the deployment."""

import base64
import json
import time
import uuid

import boto3
from botocore.config import Config

import hooklib


def handler(event, context):
    remaining_ms = context.get_remaining_time_in_millis() if context else 60_000
    codedeploy = boto3.client("codedeploy")
    settings = hooklib.settings()
    # Keep a few seconds for reporting the verdict, whatever the checks do.
    budget = min(settings.get("time_budget_seconds", 30), remaining_ms / 1000 - 5)
    deadline = time.monotonic() + budget

    def invoker(timeout):
        return boto3.client("lambda", config=Config(read_timeout=max(1, int(timeout)), retries={"max_attempts": 1}))

    return hooklib.run_hook(
        event, context, codedeploy,
        lambda: run_checks(invoker, hooklib.target_version_arn(), settings.get("smoke_checks", []), deadline, time.monotonic),
    )


def run_checks(invoker, version_arn, checks, deadline, clock):
    """Run every check against `version_arn`; (all passed, reason)."""
    if not checks:
        return False, "no smoke checks are configured, so nothing proves the new version works"
    failures = []
    for check in checks:
        remaining = deadline - clock()
        if remaining <= 0:
            failures.append(f"{check['name']}: time budget exceeded before it could run")
            hooklib.log("ERROR", "smoke check skipped: time budget exceeded", check=check["name"])
            continue
        started = clock()
        try:
            problem = run_check(invoker(remaining), version_arn, check)
        except Exception as exc:
            problem = f"invoke failed: {type(exc).__name__}: {exc}"
        took = round(clock() - started, 3)
        if problem is None and clock() > deadline:
            problem = f"answered after the time budget ({took}s)"
        if problem:
            failures.append(f"{check['name']}: {problem}")
            hooklib.log("ERROR", "smoke check failed", check=check["name"], problem=problem, seconds=took, version=version_arn)
        else:
            hooklib.log("INFO", "smoke check passed", check=check["name"], seconds=took, version=version_arn)
    if failures:
        return False, "; ".join(failures)
    return True, f"{len(checks)} smoke checks passed on {version_arn}"


def run_check(client, version_arn, check):
    """None when the check passes, else what was wrong."""
    payload = http_event(check) if "path" in check else check.get("payload")
    response = client.invoke(FunctionName=version_arn, InvocationType="RequestResponse", Payload=json.dumps(payload).encode())
    raw = response["Payload"].read()
    if response.get("FunctionError"):
        return f"the function raised: {raw.decode(errors='replace')[:500]}"
    result = json.loads(raw or b"null")
    if "path" in check:
        return check_http(check, result)
    expected = check.get("expect_result")
    return None if result == expected else f"returned {json.dumps(result)[:300]}, expected {json.dumps(expected)[:300]}"


def http_event(check):
    """An API Gateway HTTP API (payload format 2.0) request, as the API would send it."""
    path = check["path"]
    raw_path, _, query = path.partition("?")
    now = time.time()
    body = check.get("body")
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": raw_path,
        "rawQueryString": query,
        "headers": {"content-type": "application/json", "user-agent": "pipekit-pre-traffic-hook", "x-pipekit-smoke-check": check["name"]},
        "requestContext": {
            "accountId": "smoke-check",
            "apiId": "smoke-check",
            "domainName": "smoke-check.local",
            "http": {"method": check.get("method", "GET"), "path": raw_path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                     "userAgent": "pipekit-pre-traffic-hook"},
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "body": None if body is None else json.dumps(body),
        "isBase64Encoded": False,
    }


def check_http(check, result):
    if not isinstance(result, dict) or "statusCode" not in result:
        return f"not an HTTP API response: {json.dumps(result)[:300]}"
    body = result.get("body") or ""
    if result.get("isBase64Encoded"):
        body = base64.b64decode(body).decode(errors="replace")
    if result["statusCode"] != check.get("expect_status", 200):
        return f"status {result['statusCode']}, expected {check.get('expect_status', 200)}; body: {body[:300]}"
    if check.get("expect_text") and check["expect_text"] not in body:
        return f"body does not contain {check['expect_text']!r}: {body[:300]}"
    for path, expected in (check.get("expect_json") or {}).items():
        try:
            value = json.loads(body)
            for key in path.split("."):
                value = value[int(key)] if isinstance(value, list) else value[key]
        except (ValueError, KeyError, IndexError, TypeError):
            return f"JSON field {path!r} is missing: {body[:300]}"
        if value != expected:
            return f"JSON field {path!r} is {value!r}, expected {expected!r}"
    return None
