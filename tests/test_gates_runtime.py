"""The gates at run time, with the botocore Stubber (moto has no stage conditions):
GetPipelineState responses shaped like the API reference (StageState's
beforeEntryConditionState / onSuccessConditionState, ConditionState, RuleState), one
scenario per case: an alarm in ALARM blocks entry, the window is closed, the bake fails and
the stage rolls back, and an override after seeing what the condition saw."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner

from pipekit.cli import main
from stubbed_aws import T0

ALARM_SUMMARY = "Alarm orders-svc-prod-api-5xx is in ALARM state"
WINDOW_SUMMARY = "The current time is outside of the deployment window"


def rule(name, status, summary=""):
    latest = {"ruleExecutionId": f"{name}-1", "status": status, "lastStatusChange": T0}
    if summary:
        latest["summary"] = summary
    return {"ruleName": name, "latestExecution": latest}


def condition(status, *rules):
    return {"latestExecution": {"status": status, "summary": f"condition {status.lower()}"},
            "conditionStates": [{"latestExecution": {"status": status, "lastStatusChange": T0 + timedelta(minutes=5)},
                                 "ruleStates": list(rules)}]}


def state(prod_extra, prod_status="Failed"):
    prod = {"stageName": "Prod", "latestExecution": {"pipelineExecutionId": "exec-7", "status": prod_status}, "actionStates": [], **prod_extra}
    return {"pipelineName": "orders", "stageStates": [
        {"stageName": "Build", "latestExecution": {"pipelineExecutionId": "exec-7", "status": "Succeeded"}, "actionStates": []},
        {"stageName": "Dev", "latestExecution": {"pipelineExecutionId": "exec-7", "status": "Succeeded"}, "actionStates": []},
        prod,
    ]}


ALARM_BLOCKS_ENTRY = {"beforeEntryConditionState": condition(
    "Failed", rule("EntryAlarm-Api5xxAlarm", "Failed", ALARM_SUMMARY), rule("DeploymentWindow", "Succeeded"))}
WINDOW_CLOSED = {"beforeEntryConditionState": condition(
    "Failed", rule("EntryAlarm-Api5xxAlarm", "Succeeded"), rule("DeploymentWindow", "Failed", WINDOW_SUMMARY))}
BAKE_FAILED = {"onSuccessConditionState": condition(
    "Failed", rule("BakeAlarm-Api5xxAlarm", "Failed", ALARM_SUMMARY), rule("BakeAlarm-OrdersApiErrorsAlarm", "Succeeded"))}
ENTERED = {"beforeEntryConditionState": condition(
    "Succeeded", rule("EntryAlarm-Api5xxAlarm", "Succeeded"), rule("DeploymentWindow", "Succeeded"))}


def run(project, *args, **kwargs):
    return CliRunner().invoke(main, ["--config", str(project / "pipekit.yaml"), *args], **kwargs)


def stub_status(aws, prod_extra, prod_status="Failed"):
    aws.accounts["prod"].stub("cloudformation").add_client_error(
        "describe_stacks", "ValidationError", "Stack with id orders-svc-prod does not exist", 400)
    pipeline = aws.accounts["build"].stub("codepipeline")
    pipeline.add_response("get_pipeline_state", state(prod_extra, prod_status), {"name": "orders"})
    pipeline.add_response("list_pipeline_executions", {"pipelineExecutionSummaries": []}, {"pipelineName": "orders", "maxResults": 25})


def prod_stage(result):
    report = json.loads(result.output)
    return next(s for s in report["pipeline"]["stages"] if s["name"] == "Prod")


def test_an_alarm_in_alarm_blocks_entry_and_status_says_which(project, aws):
    stub_status(aws, ALARM_BLOCKS_ENTRY)
    result = run(project, "status", "--env", "prod", "--format", "json")
    assert result.exit_code == 0, result.output
    aws.assert_done()
    [entry] = prod_stage(result)["conditions"]
    assert entry["kind"] == "before_entry" and entry["status"] == "Failed" and entry["blocked"]
    assert entry["reason"] == f"entry condition Failed: EntryAlarm-Api5xxAlarm Failed: {ALARM_SUMMARY}"
    assert [(r["name"], r["status"]) for r in entry["rules"]] == [("EntryAlarm-Api5xxAlarm", "Failed"), ("DeploymentWindow", "Succeeded")]


def test_a_closed_window_blocks_entry_in_the_text_status(project, aws):
    stub_status(aws, WINDOW_CLOSED)
    result = run(project, "status", "--env", "prod")
    assert result.exit_code == 0, result.output
    assert f"    blocked: entry condition Failed: DeploymentWindow Failed: {WINDOW_SUMMARY}" in result.output.splitlines()
    assert "EntryAlarm-Api5xxAlarm" not in result.output  # the rule that passed is not blamed


def test_a_failed_bake_shows_as_the_success_condition_that_rolled_back(project, aws):
    stub_status(aws, BAKE_FAILED)
    result = run(project, "status", "--env", "prod", "--format", "json")
    [bake] = prod_stage(result)["conditions"]
    assert bake["kind"] == "on_success" and bake["blocked"]
    assert bake["reason"] == f"success condition Failed: BakeAlarm-Api5xxAlarm Failed: {ALARM_SUMMARY}"


def test_a_passed_entry_condition_is_not_reported_as_blocking(project, aws):
    stub_status(aws, ENTERED, prod_status="InProgress")
    result = run(project, "status", "--env", "prod")
    assert "    before entry condition: Succeeded" in result.output.splitlines() and "blocked" not in result.output


def stub_override(aws, prod_extra, expect_call=True, error=None):
    pipeline = aws.accounts["build"].stub("codepipeline")
    pipeline.add_response("get_pipeline_state", state(prod_extra), {"name": "orders"})
    if not expect_call:
        return pipeline
    params = {"pipelineName": "orders", "stageName": "Prod", "pipelineExecutionId": "exec-7",
              "conditionType": "BEFORE_ENTRY" if "beforeEntryConditionState" in prod_extra else "ON_SUCCESS"}
    if error:
        pipeline.add_client_error("override_stage_condition", error, "Condition is not overridable", 400, expected_params=params)
    else:
        pipeline.add_response("override_stage_condition", {}, params)
    return pipeline


def test_override_shows_what_the_entry_condition_saw_then_overrides_it_for_the_held_execution(project, aws, monkeypatch):
    monkeypatch.setattr("pipekit.cli.app.Application.can_ask", lambda self: True)
    stub_override(aws, ALARM_BLOCKS_ENTRY)
    result = run(project, "gate", "override", "--env", "prod", "--condition", "entry", input="y\n")
    assert result.exit_code == 0, result.output
    aws.assert_done()
    shown, asked = result.output.index(f"rule EntryAlarm-Api5xxAlarm: Failed: {ALARM_SUMMARY}"), result.output.index("Override the entry")
    assert shown < asked
    assert "Overrode the entry condition of Prod for execution exec-7." in result.output


def test_override_declined_changes_nothing(project, aws, monkeypatch):
    monkeypatch.setattr("pipekit.cli.app.Application.can_ask", lambda self: True)
    stub_override(aws, ALARM_BLOCKS_ENTRY, expect_call=False)
    result = run(project, "gate", "override", "--env", "prod", "--condition", "entry", input="n\n")
    assert result.exit_code == 1 and "Nothing overridden" in result.output
    aws.assert_done()  # no OverrideStageCondition was made


def test_override_of_a_condition_that_holds_nothing_is_exit_1(project, aws):
    stub_override(aws, ENTERED, expect_call=False)
    result = run(project, "gate", "override", "--env", "prod", "--condition", "entry", "--yes")
    assert result.exit_code == 1
    assert "the entry condition of Prod is Succeeded, not holding an execution" in result.output


def test_override_after_a_bake_rolled_back_reports_codepipelines_refusal_in_one_line(project, aws):
    stub_override(aws, BAKE_FAILED, error="ConditionNotOverridableException")
    result = run(project, "gate", "override", "--env", "prod", "--condition", "success", "--yes", "--format", "json")
    assert result.exit_code == 1
    aws.assert_done()
    assert "CodePipeline refused to override the ON_SUCCESS condition of Prod: Condition is not overridable" in result.output
    assert "Traceback" not in result.output


def test_override_without_a_terminal_needs_yes(project, aws):
    result = run(project, "gate", "override", "--env", "prod", "--condition", "entry")
    assert result.exit_code == 2 and "--yes" in result.output and aws.opened == []


def test_override_as_json_needs_yes_because_a_script_cannot_be_asked(project, aws, monkeypatch):
    monkeypatch.setattr("pipekit.cli.app.Application.can_ask", lambda self: True)
    result = run(project, "gate", "override", "--env", "prod", "--condition", "entry", "--format", "json")
    assert result.exit_code == 2 and "--yes" in result.output and aws.opened == []


def test_override_as_json_reports_the_condition_it_overrode(project, aws):
    stub_override(aws, ALARM_BLOCKS_ENTRY)
    result = run(project, "gate", "override", "--env", "prod", "--condition", "entry", "--yes", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["overridden"] and report["stage"] == "Prod"
    assert report["condition"]["reason"] == f"entry condition Failed: EntryAlarm-Api5xxAlarm Failed: {ALARM_SUMMARY}"


# ---------------------------------------------------------------- pure parts


def test_a_condition_still_evaluating_is_said_so_with_its_rules():
    from pipekit.aws.codepipeline import ConditionState, RuleResult
    from pipekit.release.gates import blocked_reason

    waiting = ConditionState("Prod", "before_entry", "InProgress", rules=(RuleResult("Window", "InProgress", "outside the window"),))
    assert blocked_reason(waiting) == "entry condition evaluating (Window InProgress: outside the window)"


def test_override_needs_the_execution_codepipeline_names():
    from pipekit.aws.codepipeline import ConditionState
    from pipekit.errors import PipekitError
    from pipekit.release.gates import to_override

    held = ConditionState("Prod", "before_entry", "Failed", execution_id="exec-7")
    assert to_override([held], "Prod", "entry") is held
    with pytest.raises(PipekitError, match="CodePipeline names no execution held by the entry condition of Prod"):
        to_override([ConditionState("Prod", "before_entry", "Failed")], "Prod", "entry")
