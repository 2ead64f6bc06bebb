"""The release dossier's sources, each with botocore's Stubber (moto has no action
executions, CodeBuild reports or alarm history to speak of), including the missing
pieces: a first release, builds without test reports, an alarm history that cannot be
read, an expired approval. And the dossier as the approver reads it (golden, and checked
for meaning)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from botocore.stub import ANY

from conftest import assert_golden
from pipekit.aws.cloudwatch import CloudWatch
from pipekit.aws.codebuild import CodeBuild
from pipekit.aws.codepipeline import CodePipeline
from pipekit.release import dossier_sources as sources
from pipekit.release.dossier import Dossier, approval_window, compare_url
from pipekit.ui.dossier import render_json, render_lines, render_markdown
from stubbed_aws import T0, StubbedAccount

CANDIDATE, MIDDLE, RUNNING = "exec-0042", "exec-0041", "exec-0040"
REPO = "https://github.com/acme/orders"
SHA = {CANDIDATE: "c0ffee" + "0" * 34, MIDDLE: "beef00" + "0" * 34, RUNNING: "a11ce0" + "0" * 34, "exec-0039": "0dd000" + "0" * 34}
BUILD_ID = "orders-build:5b9e4b2c-0000-4000-8000-000000000001"
TESTS_ID = "orders-integration-tests-dev:5b9e4b2c-0000-4000-8000-000000000002"
REPORT_ARN = "arn:aws:codebuild:eu-west-1:111111111111:report/orders-build-unit:5b9e4b2c-0000-4000-8000-0000000000aa"
ITEST_REPORT_ARN = "arn:aws:codebuild:eu-west-1:111111111111:report/orders-itest-dev-integration:5b9e4b2c-0000-4000-8000-0000000000bb"
COVERAGE_ARN = "arn:aws:codebuild:eu-west-1:111111111111:report/orders-build-coverage:5b9e4b2c-0000-4000-8000-0000000000cc"


def action_run(execution, stage, action, category, provider, status="Succeeded", at=T0, external=None):
    run = {
        "pipelineExecutionId": execution, "actionExecutionId": f"{execution}-{action}", "pipelineVersion": 3, "stageName": stage,
        "actionName": action, "startTime": at - timedelta(minutes=3), "lastUpdateTime": at, "status": status,
        "input": {"actionTypeId": {"category": category, "owner": "AWS", "provider": provider, "version": "1"}},
    }
    if external:
        run["output"] = {"executionResult": {"externalExecutionId": external}}
    return run


def execution(execution_id):
    return {"pipelineExecution": {
        "pipelineName": "orders", "pipelineVersion": 3, "pipelineExecutionId": execution_id, "status": "InProgress",
        "artifactRevisions": [{"name": "Source", "revisionId": SHA[execution_id], "revisionSummary": f"commit of {execution_id}\n\nbody",
                               "revisionUrl": f"{REPO}/commit/{SHA[execution_id]}"}],
    }}


def summaries(*ids):
    return {"pipelineExecutionSummaries": [
        {"pipelineExecutionId": i, "status": "Succeeded", "startTime": T0 - timedelta(hours=n),
         "sourceRevisions": [{"actionName": "Source", "revisionId": SHA[i], "revisionSummary": f"commit of {i}",
                              "revisionUrl": f"{REPO}/commit/{SHA[i]}"}]}
        for n, i in enumerate(ids)
    ]}


CANDIDATE_RUNS = [
    action_run(CANDIDATE, "Dev", "ExecuteChangeSet", "Deploy", "CloudFormation", at=T0 - timedelta(hours=26)),
    action_run(CANDIDATE, "Dev", "IntegrationTests", "Test", "CodeBuild", at=T0 - timedelta(hours=25), external=TESTS_ID),
    action_run(CANDIDATE, "Build", "Build", "Build", "CodeBuild", at=T0 - timedelta(hours=27), external=BUILD_ID),
    action_run(CANDIDATE, "Source", "Source", "Source", "CodeStarSourceConnection", at=T0 - timedelta(hours=28)),
]


def build_account():
    account = StubbedAccount("build")
    return account, CodePipeline(account.client("codepipeline")), account.stub("codepipeline")


def stub_commits(stub, first_release=False):
    stub.add_response("get_pipeline_execution", execution(CANDIDATE), {"pipelineName": "orders", "pipelineExecutionId": CANDIDATE})
    runs = [action_run(CANDIDATE, "Prod", "CreateChangeSet", "Deploy", "CloudFormation")]
    if not first_release:
        runs += [action_run(RUNNING, "Prod", "ExecuteChangeSet", "Deploy", "CloudFormation", at=T0 - timedelta(days=2)),
                 action_run("exec-0039", "Prod", "ExecuteChangeSet", "Deploy", "CloudFormation", at=T0 - timedelta(days=5))]
    stub.add_response("list_action_executions", {"actionExecutionDetails": runs}, {"pipelineName": "orders", "maxResults": 100})
    if not first_release:
        stub.add_response("get_pipeline_execution", execution(RUNNING), {"pipelineName": "orders", "pipelineExecutionId": RUNNING})
        stub.add_response("list_pipeline_executions", summaries(CANDIDATE, MIDDLE, RUNNING, "exec-0039"),
                          {"pipelineName": "orders", "maxResults": 100})


def test_commits_between_what_runs_and_the_candidate_with_the_compare_view():
    _, cp, stub = build_account()
    stub_commits(stub)
    found = sources.commit_range(cp, "orders", "Prod", CANDIDATE)
    stub.assert_no_pending_responses()
    assert found.running.execution_id == RUNNING  # the newest succeeded deploy of Prod, not the candidate's own change set
    assert [r.execution_id for r in found.between] == [CANDIDATE, MIDDLE]
    assert found.compare_url == f"{REPO}/compare/{SHA[RUNNING]}...{SHA[CANDIDATE]}"
    assert not found.missing


def test_a_first_release_has_nothing_to_compare_with():
    _, cp, stub = build_account()
    stub_commits(stub, first_release=True)
    found = sources.commit_range(cp, "orders", "Prod", CANDIDATE)
    stub.assert_no_pending_responses()  # no history read for nothing
    assert found.candidate.revision_id == SHA[CANDIDATE] and found.running is None and found.between == ()
    assert found.missing == "nothing deployed here yet: a first release" and found.compare_url == ""


@pytest.mark.parametrize("url, expected", [
    (f"{REPO}/commit/b", f"{REPO}/compare/a...b"),
    ("https://gitlab.com/acme/orders/-/commit/b", "https://gitlab.com/acme/orders/-/compare/a...b"),
    ("https://bitbucket.org/acme/orders/commits/b", "https://bitbucket.org/acme/orders/branches/compare/b%0Da"),
    ("https://eu-west-1.console.aws.amazon.com/codesuite/codecommit/repositories/orders/commit/b", ""),
])
def test_compare_view_per_host(url, expected):
    assert compare_url(url, "a", "b") == expected


def revision(execution, sha):
    from pipekit.aws.codepipeline import Revision

    return Revision(execution, sha, url=f"{REPO}/commit/{sha}" if sha else "")


def test_commits_leave_out_executions_without_a_revision_and_say_when_history_is_gone():
    from pipekit.release.dossier import commits

    candidate, no_source, running = revision("c", "ccc"), revision("n", ""), revision("r", "aaa")
    found = commits(candidate, running, [candidate, no_source, running])
    assert found.between == (candidate,) and not found.missing
    gone = commits(candidate, running, [candidate])  # the running execution fell out of the history
    assert gone.between == () and gone.missing == "the executions in between are no longer in the pipeline's history"


def test_a_release_of_the_commit_that_runs_has_no_compare_view():
    from pipekit.release.dossier import commits

    candidate, running = revision("c", "aaa"), revision("r", "aaa")  # a rerun of the same commit
    assert commits(candidate, running, [candidate, running]).compare_url == ""


def test_errored_tests_count_as_failed():
    from pipekit.release.dossier import TestRun, Tests

    runs = Tests((TestRun("Build", "unit", 5, {"SUCCEEDED": 2, "FAILED": 1, "ERROR": 1, "SKIPPED": 1}, "FAILED"),))
    assert (runs.total, runs.failed) == (5, 2)


def stub_tests(stub, codebuild_stub, reports=True):
    stub.add_response("list_action_executions", {"actionExecutionDetails": CANDIDATE_RUNS},
                      {"pipelineName": "orders", "maxResults": 100, "filter": {"pipelineExecutionId": CANDIDATE}})
    builds = [{"id": TESTS_ID, "reportArns": [ITEST_REPORT_ARN] if reports else []},
              {"id": BUILD_ID, "reportArns": [REPORT_ARN, COVERAGE_ARN] if reports else []}]
    codebuild_stub.add_response("batch_get_builds", {"builds": builds}, {"ids": [TESTS_ID, BUILD_ID]})
    if reports:
        codebuild_stub.add_response("batch_get_reports", {"reports": [
            {"arn": ITEST_REPORT_ARN, "type": "TEST", "name": "integration", "status": "SUCCEEDED",
             "executionId": f"arn:aws:codebuild:eu-west-1:111111111111:build/{TESTS_ID}",
             "testSummary": {"total": 12, "statusCounts": {"SUCCEEDED": 12}, "durationInNanoSeconds": 9_000_000_000}},
            {"arn": REPORT_ARN, "type": "TEST", "name": "unit", "status": "FAILED",
             "executionId": f"arn:aws:codebuild:eu-west-1:111111111111:build/{BUILD_ID}",
             "testSummary": {"total": 140, "statusCounts": {"SUCCEEDED": 137, "FAILED": 1, "SKIPPED": 2}, "durationInNanoSeconds": 1}},
            {"arn": COVERAGE_ARN, "type": "CODE_COVERAGE", "name": "coverage", "status": "SUCCEEDED",
             "executionId": f"arn:aws:codebuild:eu-west-1:111111111111:build/{BUILD_ID}",
             "codeCoverageSummary": {"lineCoveragePercentage": 81.0}},
        ]}, {"reportArns": [ITEST_REPORT_ARN, REPORT_ARN, COVERAGE_ARN]})


def test_test_totals_of_the_candidates_builds():
    account, cp, stub = build_account()
    stub_tests(stub, account.stub("codebuild"))
    found = sources.test_totals(cp, CodeBuild(account.client("codebuild")), "orders", CANDIDATE)
    account.stubbers["codebuild"].assert_no_pending_responses()
    assert (found.total, found.failed) == (152, 1)  # the coverage report is no test report
    assert [(r.action, r.report, r.total) for r in found.runs] == [("IntegrationTests", "integration", 12), ("Build", "unit", 140)]


def test_builds_without_test_reports_say_so():
    account, cp, stub = build_account()
    stub_tests(stub, account.stub("codebuild"), reports=False)
    found = sources.test_totals(cp, CodeBuild(account.client("codebuild")), "orders", CANDIDATE)
    assert found.runs == () and found.missing == "the candidate's builds (Build, IntegrationTests) wrote no test reports"


def alarm(name, old, new, at):
    return {"AlarmName": name, "AlarmType": "MetricAlarm", "Timestamp": at, "HistoryItemType": "StateUpdate",
            "HistorySummary": f"Alarm updated from {old} to {new}",
            "HistoryData": json.dumps({"oldState": {"stateValue": old}, "newState": {"stateValue": new}})}


def stub_soak(stub, cloudwatch_stub, denied=False, end=T0, alarm_names=()):
    """The candidate's deploy to dev and dev's alarm history: all of it, or (alarm_names,
    as pipekit approve reads it) alarm by alarm."""
    stub.add_response("list_action_executions", {"actionExecutionDetails": CANDIDATE_RUNS},
                      {"pipelineName": "orders", "maxResults": 100, "filter": {"pipelineExecutionId": CANDIDATE}})
    params = {"HistoryItemType": "StateUpdate", "StartDate": T0 - timedelta(hours=26), "EndDate": end,
              "AlarmTypes": ["MetricAlarm", "CompositeAlarm"], "ScanBy": "TimestampAscending"}
    if alarm_names:
        errors, api = alarm_names
        cloudwatch_stub.add_response("describe_alarm_history", {"AlarmHistoryItems": [
            alarm(errors, "OK", "ALARM", T0 - timedelta(hours=20)), alarm(errors, "ALARM", "OK", T0 - timedelta(hours=19, minutes=50)),
        ]}, dict(params, AlarmName=errors))
        cloudwatch_stub.add_response("describe_alarm_history", {"AlarmHistoryItems": [
            alarm(api, "INSUFFICIENT_DATA", "OK", T0 - timedelta(hours=2))]}, dict(params, AlarmName=api))
        return
    if denied:
        cloudwatch_stub.add_client_error("describe_alarm_history", "AccessDenied", "not authorized to perform cloudwatch:DescribeAlarmHistory",
                                         expected_params=params)
        return
    cloudwatch_stub.add_response("describe_alarm_history", {"AlarmHistoryItems": [
        alarm("orders-svc-dev-OrdersApiErrors", "OK", "ALARM", T0 - timedelta(hours=20)),
        alarm("orders-svc-dev-OrdersApiErrors", "ALARM", "OK", T0 - timedelta(hours=19, minutes=50)),
    ], "NextToken": "more"}, params)
    cloudwatch_stub.add_response("describe_alarm_history", {"AlarmHistoryItems": [
        alarm("orders-svc-dev-Api5xx", "INSUFFICIENT_DATA", "OK", T0 - timedelta(hours=2)),
    ]}, dict(params, NextToken="more"))


def test_how_long_the_candidate_ran_in_dev_and_which_alarms_fired():
    _, cp, stub = build_account()
    dev = StubbedAccount("dev")
    stub_soak(stub, dev.stub("cloudwatch"))
    found = sources.soak(cp, "orders", "Dev", "dev", CANDIDATE, lambda: CloudWatch(dev.client("cloudwatch")), T0)
    dev.stubbers["cloudwatch"].assert_no_pending_responses()
    assert found.deployed == T0 - timedelta(hours=26) and found.ran == timedelta(hours=26)
    assert [(a.alarm, a.at) for a in found.alarms] == [("orders-svc-dev-OrdersApiErrors", T0 - timedelta(hours=20))]  # only to ALARM


def test_an_unreadable_alarm_history_keeps_the_soak_time():
    _, cp, stub = build_account()
    dev = StubbedAccount("dev")
    stub_soak(stub, dev.stub("cloudwatch"), denied=True)
    found = sources.soak(cp, "orders", "Dev", "dev", CANDIDATE, lambda: CloudWatch(dev.client("cloudwatch")), T0)
    assert found.ran == timedelta(hours=26) and found.alarms == ()
    assert found.alarms_missing.startswith("dev's alarm history could not be read (AccessDenied:")


def test_a_candidate_never_deployed_to_the_previous_stage():
    _, cp, stub = build_account()
    stub.add_response("list_action_executions", {"actionExecutionDetails": CANDIDATE_RUNS[2:]},
                      {"pipelineName": "orders", "maxResults": 100, "filter": {"pipelineExecutionId": CANDIDATE}})
    found = sources.soak(cp, "orders", "Dev", "dev", CANDIDATE, None, T0)
    assert found.deployed is None and "was not deployed to dev" in found.missing


def test_the_approval_window():
    assert approval_window(T0, None, T0 + timedelta(days=1)).expires == T0 + timedelta(days=7)
    assert approval_window(T0, 60, T0 + timedelta(minutes=59)).expired is False
    assert approval_window(T0, 60, T0 + timedelta(minutes=60)).expired is True
    assert approval_window(None, None, T0).expires is None


def full_dossier(expired=False):
    account, cp, stub = build_account()
    dev = StubbedAccount("dev")
    stub_commits(stub)
    stub_tests(stub, account.stub("codebuild"))
    stub_soak(stub, dev.stub("cloudwatch"))
    now = T0 + timedelta(days=8 if expired else 0)
    commits = sources.commit_range(cp, "orders", "Prod", CANDIDATE)
    tests = sources.test_totals(cp, CodeBuild(account.client("codebuild")), "orders", CANDIDATE)
    soak = sources.soak(cp, "orders", "Dev", "dev", CANDIDATE, lambda: CloudWatch(dev.client("cloudwatch")), T0)
    return Dossier("prod", "orders", CANDIDATE, now, "1 permission-broadening, 1 permission in 3 changes",
                   {"permission-broadening": 1, "permission": 1},
                   ("permission-broadening OrdersApiFunctionRole: access widens: Policies/table dynamodb:DeleteItem",),
                   commits, tests, soak, approval_window(T0 - timedelta(hours=1), None, now))


def test_the_dossier_as_markdown_golden_and_meaning():
    text = render_markdown(full_dossier())
    assert_golden("dossier-prod.md", text)
    assert "Compare: https://github.com/acme/orders/compare/a11ce0" in text
    assert "152 tests, 1 failed" in text
    assert "In dev since 2026-11-26 07:30 UTC (1d 2h 0m)" in text
    assert "1 alarm(s) went to ALARM there since" in text and "orders-svc-dev-OrdersApiErrors" in text
    assert "expires 2026-12-04 08:30 UTC" in text


def test_an_expired_approval_and_json():
    document = json.loads(render_json(full_dossier(expired=True)))
    assert document["approval"]["expired"] is True
    assert document["tests"]["total"] == 152 and document["soak"]["ran"] == 26 * 3600
    assert "EXPIRED at" in "\n".join(render_lines(full_dossier(expired=True)))


def test_approve_prints_the_dossier_before_it_asks(project, aws):
    """pipekit approve end to end with every source stubbed (build and dev accounts)."""
    import test_approve as ta
    from test_changeset_show import stub_review

    state = ta.pipeline_state()
    state["stageStates"][1]["latestExecution"]["pipelineExecutionId"] = CANDIDATE
    codepipeline = aws.accounts["build"].stub("codepipeline")
    codepipeline.add_response("get_pipeline_state", state, {"name": "orders"})
    codepipeline.add_response("get_pipeline", ta.PIPELINE, {"name": "orders"})
    stub_review(aws.accounts["prod"], list_first=False)
    stub_commits(codepipeline)
    stub_tests(codepipeline, aws.accounts["build"].stub("codebuild"))
    # dev's alarms by name: the approvers' policy allows the service's alarms only
    stub_soak(codepipeline, aws.accounts["dev"].stub("cloudwatch"), end=ANY,
              alarm_names=("orders-svc-dev-OrdersApi-new-version-errors", "orders-svc-dev-api-5xx"))
    ta.expect_answer(codepipeline, "Approved")
    result = ta.approve(project, "--env", "prod", "--approve", "--yes")
    assert result.exit_code == 0, result.output
    aws.assert_done()
    assert aws.opened == ["build", "prod", "dev"]  # dev only for its alarm history
    out = result.output
    assert out.index("Commits:") < out.index("orders-svc-prod: change set") < out.index("Approved Prod/Approve")
    assert f"Compare: {REPO}/compare/{SHA[RUNNING]}...{SHA[CANDIDATE]}" in out
    assert "152 tests, 1 failed" in out and "1 alarm(s) went to ALARM there since" in out


def test_approve_format_json_carries_dossier_and_review(project, aws):
    import test_approve as ta
    from test_changeset_show import stub_review

    codepipeline = ta.stub_pipeline(aws)
    stub_review(aws.accounts["prod"], list_first=False)
    # A first release whose builds CodeBuild no longer knows, and a pipeline role that may not list executions.
    codepipeline.add_response("get_pipeline_execution", {"pipelineExecution": {
        "pipelineName": "orders", "pipelineExecutionId": "exec-42", "status": "InProgress", "artifactRevisions": []}})
    codepipeline.add_response("list_action_executions", {"actionExecutionDetails": []})
    codepipeline.add_client_error("list_action_executions", "AccessDeniedException", "not authorized")
    codepipeline.add_response("list_action_executions", {"actionExecutionDetails": []})
    ta.expect_answer(codepipeline, "Rejected")
    result = ta.approve(project, "--env", "prod", "--reject", "--yes", "--format", "json")
    assert result.exit_code == 0, result.output
    aws.assert_done()
    document = json.loads(result.output[: result.output.rindex("}") + 1])
    assert document["review"]["verdict"] == document["dossier"]["verdict"]
    assert document["dossier"]["commits"]["missing"] == "the candidate's execution has no source revision"
    assert document["dossier"]["tests"]["missing"].startswith("the test reports could not be read (AccessDeniedException")
    assert document["dossier"]["soak"]["missing"].startswith("the candidate was not deployed to dev")
