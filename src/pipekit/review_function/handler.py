"""The review in front of a manual approval, run by CodePipeline's Invoke/Lambda action.

It assumes the target account's read-only review role, loads the gated change set with
pipekit's own review code, writes the markdown report to the artifact bucket (SSE-KMS,
the artifact key) and answers the job: success with the output variables VERDICT and
REPORT_URL (the action's namespace), or failure when review.fail_on trips or the review
cannot be made. It never raises for a job it could answer: an unanswered job would hold
the stage until CodePipeline's timeout.

A stage rollback re-runs this review: the function detects it (release/rollback_detection)
and says so in the report, the summary and the output variable EXECUTION, which the
approval's message shows ("ROLLBACK to execution <id>", or "Release").

With chat channels configured (CHAT_TOPIC_ARN), the verdict, risks and report link also go
to them as one custom notification (review_function/chat_message.py).

Only boto3 (from the Lambda runtime) and the modules review_function/package.py puts
beside it are imported here: no pydantic, click, rich or jinja2."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Optional

from pipekit import __version__
from pipekit.aws.accessanalyzer import AccessAnalyzer
from pipekit.aws.cloudformation import CloudFormation
from pipekit.aws.cloudwatch import CloudWatch
from pipekit.aws.errors import error_code
from pipekit.aws.s3 import S3
from pipekit.aws.sns import SNS
from pipekit.errors import PipekitError
from pipekit.aws.codepipeline import CodePipeline
from pipekit.release.access_analyzer import checks as analyzer_checks
from pipekit.release.access_analyzer import markdown as analyzer_markdown
from pipekit.release.changesets import load_review
from pipekit.release.review import FAIL_ON
from pipekit.release.rollback_detection import Rollback, detect_rollback
from pipekit.review_function.chat_message import chat_message, risk_lines
from pipekit.review_function.release_dossier import NamedAlarmHistory, release_dossier
from pipekit.text import shorten
from pipekit.ui.dossier import render_markdown as dossier_markdown
from pipekit.ui.review import render_markdown

# The action's UserParameters (JSON), written by project/layout.py.
PARAMETERS = ("pipeline", "stage", "environment", "stack", "change_set", "review_role_arn", "fail_on", "execution_id")
# Optional: the environment before's review role and the service's alarm names there (dossier).
PREVIOUS_ALARMS_PARAMETERS = ("previous_review_role_arn", "previous_alarms")
RELEASE = "Release"  # EXECUTION of a standard execution
REPORT_PREFIX = "reviews"
# Drift detection may take this long, well inside the function's timeout (pipeline
# template: 300 s), so that the job is always answered.
DRIFT_WAIT = 200
SUMMARY_MAX = 2048  # ExecutionDetails.summary
MESSAGE_MAX = 5000  # FailureDetails.message


class JobError(Exception):
    """The job cannot be done as configured: reported to CodePipeline, never raised out."""

    def __init__(self, message: str, failure_type: str = "JobFailed") -> None:
        super().__init__(message)
        self.failure_type = failure_type


@dataclass(frozen=True)
class Outcome:
    verdict: str
    url: str
    tripped: bool
    fail_on: str
    rollback: Optional[Rollback]
    chat: Optional[dict] = None  # the custom notification for the chat channels, when they are configured

    @property
    def execution(self) -> str:
        return self.rollback.describe() if self.rollback else RELEASE


@dataclass(frozen=True)
class Clients:
    codepipeline: Any
    sts: Any
    s3: Any
    # credentials of the assumed review role -> a CloudFormation client in the target account
    cloudformation: Callable[[dict], Any]
    codebuild: Any = None  # the candidate's test reports, for the release dossier
    accessanalyzer: Any = None  # a second opinion on the changed policy documents
    sns: Any = None  # the verdict to the chat channels' topic (CHAT_TOPIC_ARN)
    # credentials of the environment before's review role -> a CloudWatch client there
    cloudwatch: Optional[Callable[[dict], Any]] = None


def report_key(execution_id: str, environment: str) -> str:
    return f"{REPORT_PREFIX}/{execution_id}/{environment}.md"


def report_url(region: str, bucket: str, key: str) -> str:
    return f"https://{region}.console.aws.amazon.com/s3/object/{bucket}?region={region}&prefix={key}"


def parameters(job: dict) -> dict[str, str]:
    raw = (((job.get("data") or {}).get("actionConfiguration") or {}).get("configuration") or {}).get("UserParameters")
    try:
        params = json.loads(raw or "")
    except ValueError:
        raise JobError(f"UserParameters is not JSON: {raw!r}", "ConfigurationError") from None
    if not isinstance(params, dict):
        raise JobError("UserParameters must be a JSON object", "ConfigurationError")
    missing = [k for k in PARAMETERS if not isinstance(params.get(k), str) or not params.get(k)]
    if missing:
        raise JobError(f"UserParameters lacks {', '.join(missing)}", "ConfigurationError")
    if params["fail_on"] not in FAIL_ON:
        raise JobError(f"fail_on {params['fail_on']!r} is none of {', '.join(FAIL_ON)}", "ConfigurationError")
    return params


def handle(event: dict, clients: Clients, environ: dict[str, str]) -> str:
    """Answer one CodePipeline job; returns "succeeded" or "failed" (what was reported)."""
    job = event["CodePipeline.job"]
    job_id = job["id"]
    try:
        result = _review(job, clients, environ)
    except JobError as exc:
        return _fail(clients, job_id, str(exc), exc.failure_type)
    except PipekitError as exc:  # ChangeSetUnavailable, AwsError from the wrappers
        return _fail(clients, job_id, str(exc))
    except Exception as exc:  # noqa: BLE001 - every failure becomes the job's answer
        failure = "PermissionError" if error_code(exc) in ("AccessDenied", "AccessDeniedException") else "JobFailed"
        return _fail(clients, job_id, f"{type(exc).__name__}: {exc}", failure)
    _tell_chat(clients, environ, result)
    prefix = f"{result.execution}: " if result.rollback else ""
    if result.tripped:
        return _fail(clients, job_id, f"{prefix}The change set trips review.fail_on ({result.fail_on}): {result.verdict}. Report: {result.url}")
    CodePipeline(clients.codepipeline).job_succeeded(
        job_id,
        {"VERDICT": result.verdict, "REPORT_URL": result.url, "EXECUTION": result.execution},
        shorten(f"{prefix}{result.verdict}. Report: {result.url}", SUMMARY_MAX),
    )
    print(f"pipekit review: {prefix}{result.verdict}; {result.url}")
    return "succeeded"


def _review(job: dict, clients: Clients, environ: dict[str, str]) -> Outcome:
    params = parameters(job)
    bucket, key_arn, region = environ.get("ARTIFACT_BUCKET"), environ.get("ARTIFACT_KEY_ARN"), environ.get("AWS_REGION")
    if not (bucket and key_arn and region):
        raise JobError("the function needs ARTIFACT_BUCKET, ARTIFACT_KEY_ARN and AWS_REGION in its environment", "ConfigurationError")
    env = params["environment"]
    rollback = detect_rollback(CodePipeline(clients.codepipeline), params["pipeline"], params["stage"])
    execution_id = rollback.execution_id if rollback else params["execution_id"]
    cloudformation = CloudFormation(clients.cloudformation(_assume(clients, params["review_role_arn"], f"pipekit-review-{env}")))
    # Drift first, so that a change resetting a console hotfix shows overwrites-drift.
    review = load_review(cloudformation, params["stack"], params["change_set"], drift=True, drift_wait=DRIFT_WAIT)
    context = (
        f"Environment `{env}`, pipeline execution `{execution_id}`; "
        f"reviewed by pipekit {__version__} with review.fail_on `{params['fail_on']}`."
    )
    if rollback:
        context += (
            f"\n\n**{rollback.describe()}.** This stage rollback redeploys what execution "
            f"`{rollback.target_execution_id}` deployed; it is reviewed and approved like any other change."
        )
    key = report_key(execution_id, env)
    url = report_url(region, bucket, key)
    report = _dossier(clients, params, execution_id, review, rollback, url) + render_markdown(review, context) + _access_analyzer(clients, review)
    S3(clients.s3).put_kms_encrypted(bucket, key, report.encode("utf-8"), "text/markdown; charset=utf-8", key_arn)
    tripped, execution = review.trips(params["fail_on"]), rollback.describe() if rollback else RELEASE
    chat = chat_message(
        pipeline=params["pipeline"], stage=params["stage"], environment=env, execution_id=execution_id, verdict=review.verdict(),
        risks=risk_lines(review.all_changes()), execution=execution, tripped=tripped, fail_on=params["fail_on"], url=url,
    )
    return Outcome(review.verdict(), url, tripped, params["fail_on"], rollback, chat)


def _tell_chat(clients: Clients, environ: dict[str, str], result: Outcome) -> None:
    """Publishes the verdict to the chat topic, if any; a chat outage never fails the review."""
    topic = environ.get("CHAT_TOPIC_ARN")
    if not topic or clients.sns is None or result.chat is None:
        return
    try:
        SNS(clients.sns).publish(topic, json.dumps(result.chat))
    except Exception as exc:  # noqa: BLE001 - the job's answer matters more than the chat message
        print(f"pipekit review: the chat message was not sent: {type(exc).__name__}: {exc}")


def _access_analyzer(clients: Clients, review: Any) -> str:
    """IAM Access Analyzer's checks, after the report's own access diff."""
    if clients.accessanalyzer is None:
        return ""
    return analyzer_markdown(list(analyzer_checks(AccessAnalyzer(clients.accessanalyzer), review)))


def _dossier(clients: Clients, params: dict[str, str], execution_id: str, review: Any, rollback: Optional[Rollback], url: str) -> str:
    """The release dossier in front of the report; the review never fails for its sake."""
    try:
        dossier = release_dossier(clients.codepipeline, clients.codebuild, params, execution_id, review,
                                  rollback.describe() if rollback else "", datetime.now(timezone.utc), url, _previous_alarms(clients, params))
    except Exception as exc:  # noqa: BLE001
        return f"_The release dossier could not be made: {type(exc).__name__}: {exc}_\n\n"
    return dossier_markdown(dossier) + "\n"


def _previous_alarms(clients: Clients, params: dict) -> Optional[Callable[[], NamedAlarmHistory]]:
    """The service's alarms in the environment before, read through its review role; None
    when the job names no such role (the dossier then says it has no access)."""
    role, alarm_names = params.get("previous_review_role_arn"), params.get("previous_alarms")
    if not (isinstance(role, str) and role and isinstance(alarm_names, list) and clients.cloudwatch):
        return None

    def history() -> NamedAlarmHistory:
        credentials = _assume(clients, role, f"pipekit-review-{params['environment']}-alarms")
        return NamedAlarmHistory(CloudWatch(clients.cloudwatch(credentials)), [str(n) for n in alarm_names])

    return history


def _assume(clients: Clients, role_arn: str, session_name: str) -> dict:
    """Credentials of a read-only review role, for one review (15 minutes)."""
    return clients.sts.assume_role(RoleArn=role_arn, RoleSessionName=shorten(session_name, 64), DurationSeconds=900)["Credentials"]


def _fail(clients: Clients, job_id: str, message: str, failure_type: str = "JobFailed") -> str:
    print(f"pipekit review failed: {message}")
    CodePipeline(clients.codepipeline).job_failed(job_id, failure_type, shorten(message, MESSAGE_MAX))
    return "failed"


def _clients() -> Clients:
    import boto3

    def assumed(service: str) -> Callable[[dict], Any]:
        def client(credentials: dict) -> Any:
            return boto3.client(
                service,
                aws_access_key_id=credentials["AccessKeyId"],
                aws_secret_access_key=credentials["SecretAccessKey"],
                aws_session_token=credentials["SessionToken"],
            )
        return client

    return Clients(boto3.client("codepipeline"), boto3.client("sts"), boto3.client("s3"), assumed("cloudformation"), boto3.client("codebuild"),
                   boto3.client("accessanalyzer"), boto3.client("sns"), assumed("cloudwatch"))


_CLIENTS: Optional[Clients] = None


def handler(event: dict, context: Any) -> str:
    """The Lambda entry point: pipekit.review_function.handler.handler."""
    global _CLIENTS
    if _CLIENTS is None:
        _CLIENTS = _clients()
    return handle(event, _CLIENTS, dict(os.environ))
