"""The release dossier: what an approver needs to say yes or no, as plain data.

Each part comes from its own source (dossier_sources.py) and may be missing with a
reason: a first release has no earlier execution to compare with, a build without test
reports has no totals, an approval may already have expired. Pure: built from plain data,
rendered by ui/dossier.py."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Optional
from urllib.parse import quote

from pipekit.aws.codepipeline import Revision

# CodePipeline's manual approval waits 7 days unless the action sets timeoutInMinutes
# ("Quotas for CodePipeline", referenced by ActionDeclaration.timeoutInMinutes in botocore).
DEFAULT_APPROVAL_MINUTES = 7 * 24 * 60


@dataclass(frozen=True)
class Commits:
    candidate: Optional[Revision]
    running: Optional[Revision]  # what the environment runs now; None on a first release
    between: tuple[Revision, ...] = ()  # the pipeline's executions after `running`, up to the candidate, newest first
    compare_url: str = ""
    missing: str = ""  # why a part is not known


@dataclass(frozen=True)
class TestRun:
    action: str  # the pipeline action that ran the tests (Build, IntegrationTests...)
    report: str
    total: int
    counts: dict[str, int]  # status -> number (SUCCEEDED, FAILED, SKIPPED, ERROR, UNKNOWN)
    status: str  # the report's status (SUCCEEDED, FAILED, INCOMPLETE...)

    @property
    def failed(self) -> int:
        return sum(n for status, n in self.counts.items() if status in ("FAILED", "ERROR"))


@dataclass(frozen=True)
class Tests:
    runs: tuple[TestRun, ...] = ()
    missing: str = ""

    @property
    def total(self) -> int:
        return sum(r.total for r in self.runs)

    @property
    def failed(self) -> int:
        return sum(r.failed for r in self.runs)


@dataclass(frozen=True)
class AlarmEvent:
    alarm: str
    at: datetime
    summary: str


@dataclass(frozen=True)
class Soak:
    environment: str  # the environment before this one
    deployed: Optional[datetime] = None  # when the candidate finished deploying there
    ran: Optional[timedelta] = None  # until the dossier was made
    alarms: tuple[AlarmEvent, ...] = ()  # state changes to ALARM there since then
    alarms_missing: str = ""
    missing: str = ""


@dataclass(frozen=True)
class Approval:
    since: Optional[datetime]
    expires: Optional[datetime]
    expired: bool = False


@dataclass(frozen=True)
class Dossier:
    environment: str
    pipeline: str
    execution_id: str
    made: datetime
    verdict: str
    counts: dict[str, int]
    risks: tuple[str, ...]  # "kind logical-id: why", most serious first
    commits: Commits
    tests: Tests
    soak: Optional[Soak]  # None for the first environment
    approval: Optional[Approval]
    rollback: str = ""  # "ROLLBACK to execution ..." when this release is a stage rollback
    report_url: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        def plain(value: Any) -> Any:
            if isinstance(value, datetime):
                return value.isoformat()
            if isinstance(value, timedelta):
                return int(value.total_seconds())
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return [plain(v) for v in value]
            return value

        document = plain(asdict(self))
        document["tests"]["total"] = self.tests.total
        document["tests"]["failed"] = self.tests.failed
        return document


def approval_window(since: Optional[datetime], timeout_minutes: Optional[int], now: datetime) -> Approval:
    """When a waiting approval expires: its start plus the action's timeout (7 days unless set)."""
    if since is None:
        return Approval(None, None)
    expires = since + timedelta(minutes=timeout_minutes or DEFAULT_APPROVAL_MINUTES)
    return Approval(since, expires, expires <= now)


def compare_url(revision_url: str, old: str, new: str) -> str:
    """The repository host's compare view between two commits, from a commit's URL as
    CodePipeline gives it (revisionUrl); "" for a host whose compare view is unknown."""
    for host, commit_path, compare in (
        ("https://github.com/", "/commit/", "{repo}/compare/{old}...{new}"),
        ("https://gitlab.com/", "/-/commit/", "{repo}/-/compare/{old}...{new}"),
        ("https://bitbucket.org/", "/commits/", "{repo}/branches/compare/{new}%0D{old}"),
    ):
        if revision_url.startswith(host) and commit_path in revision_url:
            repo = revision_url[: revision_url.index(commit_path)]
            return compare.format(repo=repo, old=quote(old), new=quote(new))
    return ""


def commits(candidate: Optional[Revision], running: Optional[Revision], history: list[Revision]) -> Commits:
    """What changes between what runs and the candidate: the executions the pipeline ran
    in between (each with its head commit; history is newest first) and the compare link."""
    if candidate is None:
        return Commits(None, running, missing="the candidate's execution has no source revision")
    if running is None:
        return Commits(candidate, None, missing="nothing deployed here yet: a first release")
    ids = [r.execution_id for r in history]
    between: tuple[Revision, ...] = ()
    if candidate.execution_id in ids and running.execution_id in ids:
        start, end = ids.index(candidate.execution_id), ids.index(running.execution_id)
        between = tuple(r for r in history[start:end] if r.revision_id)
    missing = "" if between else "the executions in between are no longer in the pipeline's history"
    link = compare_url(candidate.url, running.revision_id, candidate.revision_id) if running.revision_id != candidate.revision_id else ""
    return Commits(candidate, running, between, link, missing)
