"""Where each part of the release dossier comes from. Each source answers with what it
found or says what is missing and why; an AWS error in one part (a role without the
permission, a build CodeBuild has forgotten) never loses the others.

- commits: the candidate's source revision and that of the execution whose deploy the
  environment runs now (GetPipelineExecution, ListActionExecutions), the executions in
  between (ListPipelineExecutions) and the repository host's compare view;
- tests: the test reports of the candidate's CodeBuild actions (ListActionExecutions for
  the build ids, BatchGetBuilds for their reports, BatchGetReports for the totals);
- soak: when the candidate finished deploying to the environment before, and the alarm
  state changes to ALARM in that environment's account since (DescribeAlarmHistory)."""

from __future__ import annotations

from datetime import datetime
from typing import Callable, Optional

from pipekit.aws.cloudwatch import AlarmStateChange, CloudWatch
from pipekit.aws.codebuild import CodeBuild
from pipekit.aws.codepipeline import ActionRun, CodePipeline, Revision
from pipekit.aws.errors import error_code, error_message
from pipekit.release.dossier import AlarmEvent, Commits, Dossier, Soak, TestRun, Tests, approval_window, commits
from pipekit.release.review import RISKS, Review

HISTORY = 100  # executions read to find those between the running one and the candidate


class NamedAlarmHistory:
    """The history of the named alarms only: what a role scoped to them may read."""

    def __init__(self, cloudwatch: CloudWatch, alarm_names: list[str]) -> None:
        self.cloudwatch, self.alarm_names = cloudwatch, alarm_names

    def state_changes(self, start: datetime, end: datetime) -> list[AlarmStateChange]:
        return self.cloudwatch.state_changes(start, end, self.alarm_names)


def _why(exc: Exception) -> str:
    code = error_code(exc)
    return f"could not be read ({code}: {error_message(exc)})" if code else f"could not be read ({exc})"


def _deployed(runs: list[ActionRun], stage: str) -> list[ActionRun]:
    """The stage's succeeded deploy actions (CloudFormation, CodeDeploy...), newest first."""
    return [r for r in runs if r.stage == stage and r.category == "Deploy" and r.status == "Succeeded"]


def commit_range(cp: CodePipeline, pipeline: str, stage: str, candidate_id: str) -> Commits:
    try:
        candidate = cp.revision(pipeline, candidate_id)
        def running_deploy(run: ActionRun) -> bool:
            return run.execution_id != candidate_id and bool(_deployed([run], stage))

        running_runs = [r for r in cp.action_runs(pipeline, found=running_deploy) if running_deploy(r)]
        running = cp.revision(pipeline, running_runs[0].execution_id) if running_runs else None
        history = [e.source or Revision(e.execution_id, "") for e in cp.executions(pipeline, HISTORY)] if running else []
    except Exception as exc:  # noqa: BLE001 - a part that cannot be read is reported, not raised
        return Commits(None, None, missing=f"the pipeline's executions {_why(exc)}")
    return commits(candidate, running, history)


def test_totals(cp: CodePipeline, codebuild: CodeBuild, pipeline: str, candidate_id: str) -> Tests:
    try:
        builds = {r.external_id: r.action for r in cp.action_runs(pipeline, candidate_id) if r.provider == "CodeBuild" and r.external_id}
        if not builds:
            return Tests(missing="the candidate ran no CodeBuild action yet")
        arns = codebuild.report_arns(list(builds))
        reports = codebuild.test_reports([a for ids in arns.values() for a in ids])
    except Exception as exc:  # noqa: BLE001
        return Tests(missing=f"the test reports {_why(exc)}")
    runs = tuple(TestRun(_action_of(report.build_id, builds), report.name, report.total, report.counts, report.status) for report in reports)
    if not runs:
        return Tests(missing=f"the candidate's builds ({', '.join(sorted(set(builds.values())))}) wrote no test reports")
    return Tests(runs)


def _action_of(build_arn: str, builds: dict[str, str]) -> str:
    # A report's executionId is its build's ARN; the build id is the ARN's last part.
    return next((action for build_id, action in builds.items() if build_arn.endswith(build_id)), "")


def soak(cp: CodePipeline, pipeline: str, previous_stage: str, previous_env: str, candidate_id: str,
         cloudwatch: Optional[Callable[[], CloudWatch]], now: datetime) -> Soak:
    """How long the candidate has run in the environment before this one, and its alarms."""
    try:
        deployed = _deployed(cp.action_runs(pipeline, candidate_id), previous_stage)
    except Exception as exc:  # noqa: BLE001
        return Soak(previous_env, missing=f"the candidate's deploy to {previous_env} {_why(exc)}")
    if not deployed:
        return Soak(previous_env, missing=f"the candidate was not deployed to {previous_env} (a stage rollback, or a run that skipped it)")
    since = max(r.updated for r in deployed)
    if cloudwatch is None:
        return Soak(previous_env, since, now - since, alarms_missing=f"no access to {previous_env}'s alarms from here")
    try:
        changes = cloudwatch().state_changes(since, now)
    except Exception as exc:  # noqa: BLE001
        return Soak(previous_env, since, now - since, alarms_missing=f"{previous_env}'s alarm history {_why(exc)}")
    alarms = tuple(AlarmEvent(c.alarm, c.at, c.summary) for c in changes if c.new == "ALARM")
    return Soak(previous_env, since, now - since, alarms)


def gather(
    cp: CodePipeline,
    codebuild: CodeBuild,
    *,
    pipeline: str,
    stage: str,
    environment: str,
    execution_id: str,
    review: Review,
    previous: Optional[tuple[str, str]],  # (stage, environment) before this one; None for the first
    cloudwatch: Optional[Callable[[], CloudWatch]],
    approval_since: Optional[datetime],
    approval_timeout: Optional[int],
    rollback: str,
    now: datetime,
    report_url: str = "",
) -> Dossier:
    """Every part of the dossier for the release `execution_id` waiting at `stage`."""
    risks = tuple(f"{r.kind} {c.change.logical_id}: {r.why}" for kind in RISKS for c in review.all_changes() for r in c.risks if r.kind == kind)
    return Dossier(
        environment=environment,
        pipeline=pipeline,
        execution_id=execution_id,
        made=now,
        verdict=review.verdict(),
        counts=review.counts(),
        risks=risks,
        commits=commit_range(cp, pipeline, stage, execution_id),
        tests=test_totals(cp, codebuild, pipeline, execution_id),
        soak=soak(cp, pipeline, previous[0], previous[1], execution_id, cloudwatch, now) if previous else None,
        approval=approval_window(approval_since, approval_timeout, now) if approval_since else None,
        rollback=rollback,
        report_url=report_url,
    )
