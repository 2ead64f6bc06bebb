"""CodeBuild: the test reports of builds, as plain data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

BATCH = 100  # BatchGetBuilds and BatchGetReports take at most 100 ids


@dataclass(frozen=True)
class TestReport:
    arn: str
    name: str
    build_id: str  # the build (executionId is its ARN)
    status: str  # GENERATING | SUCCEEDED | FAILED | INCOMPLETE | DELETING
    total: int
    counts: dict[str, int]  # SUCCEEDED, FAILED, SKIPPED, ERROR, UNKNOWN -> number


class CodeBuild:
    def __init__(self, client: Any) -> None:
        self.client = client

    def report_arns(self, build_ids: list[str]) -> dict[str, tuple[str, ...]]:
        """build id -> the ARNs of the reports it wrote (BatchGetBuilds); a build CodeBuild
        no longer knows is left out."""
        found: dict[str, tuple[str, ...]] = {}
        for start in range(0, len(build_ids), BATCH):
            for build in self.client.batch_get_builds(ids=build_ids[start:start + BATCH]).get("builds", []):
                found[build["id"]] = tuple(build.get("reportArns") or ())
        return found

    def test_reports(self, arns: list[str]) -> list[TestReport]:
        """The test reports among `arns` (BatchGetReports); coverage reports are skipped."""
        reports = []
        for start in range(0, len(arns), BATCH):
            for raw in self.client.batch_get_reports(reportArns=arns[start:start + BATCH]).get("reports", []):
                summary = raw.get("testSummary")
                if raw.get("type") != "TEST" or not summary:
                    continue
                reports.append(TestReport(
                    raw["arn"], raw.get("name", ""), raw.get("executionId", ""), raw.get("status", ""),
                    summary.get("total", 0), dict(summary.get("statusCounts") or {}),
                ))
        return reports
