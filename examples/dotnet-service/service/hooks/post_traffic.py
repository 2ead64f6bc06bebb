"""PostTraffic hook: once all traffic is on the new version, check that none of the
deployment's alarms is in ALARM and that the new version's errors over the bake window
stay within the allowed number. Otherwise CodeDeploy rolls the alias back."""

import datetime
import json
import os

import boto3

import hooklib


def handler(event, context):
    codedeploy = boto3.client("codedeploy")
    cloudwatch = boto3.client("cloudwatch")
    settings = hooklib.settings()
    alarms = json.loads(os.environ.get("ALARM_NAMES") or "[]")
    function = os.environ["TARGET_FUNCTION"]
    return hooklib.run_hook(
        event, context, codedeploy,
        lambda: check_health(cloudwatch, alarms, function, hooklib.target_version_arn(), settings, now()),
    )


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def check_health(cloudwatch, alarm_names, function, version_arn, settings, at):
    problems = []
    firing = alarms_in_alarm(cloudwatch, alarm_names)
    for name, reason in firing:
        problems.append(f"alarm {name} is in ALARM: {reason}")
        hooklib.log("ERROR", "alarm in ALARM", alarm=name, reason=reason)
    window = settings.get("window_minutes", 10)
    allowed = settings.get("max_errors", 0)
    version = version_arn.rsplit(":", 1)[-1]
    errors = new_version_errors(cloudwatch, function, version, window, at)
    hooklib.log("INFO" if errors <= allowed else "ERROR", "new version errors", errors=errors, allowed=allowed,
                window_minutes=window, version=version)
    if errors > allowed:
        problems.append(f"version {version} had {errors:g} errors in the last {window} minutes (allowed: {allowed})")
    if problems:
        return False, "; ".join(problems)
    return True, f"no alarm in ALARM; version {version} had {errors:g} errors in {window} minutes"


def alarms_in_alarm(cloudwatch, names):
    firing = []
    for start in range(0, len(names), 100):  # DescribeAlarms takes at most 100 names
        pages = cloudwatch.get_paginator("describe_alarms").paginate(AlarmNames=names[start:start + 100])
        for page in pages:
            for alarm in page.get("MetricAlarms", []) + page.get("CompositeAlarms", []):
                if alarm["StateValue"] == "ALARM":
                    firing.append((alarm["AlarmName"], alarm.get("StateReason", "")))
    return firing


def new_version_errors(cloudwatch, function, version, window_minutes, at):
    """Sum of Lambda Errors of exactly this version (through the live alias) in the window."""
    response = cloudwatch.get_metric_data(
        MetricDataQueries=[{
            "Id": "errors",
            "MetricStat": {
                "Metric": {
                    "Namespace": "AWS/Lambda",
                    "MetricName": "Errors",
                    "Dimensions": [
                        {"Name": "FunctionName", "Value": function},
                        {"Name": "Resource", "Value": f"{function}:live"},
                        {"Name": "ExecutedVersion", "Value": version},
                    ],
                },
                "Period": 60,
                "Stat": "Sum",
            },
            "ReturnData": True,
        }],
        StartTime=at - datetime.timedelta(minutes=window_minutes),
        EndTime=at,
    )
    return sum(v for result in response["MetricDataResults"] for v in result.get("Values", []))
