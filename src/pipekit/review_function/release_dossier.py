"""The release dossier the review function puts in front of its change-set report.

It runs in the build account with the function's own role: the commits between what the
environment runs and the candidate, the candidate's test totals and how long it has run in
the stage before come from CodePipeline and CodeBuild there. The alarms of the environment
before are in that environment's account: the function reads their history through the
account's read-only review role, alarm by alarm (the service's alarms, named in the job's
UserParameters). Without that role in the job (the names do not fit CodePipeline's
1000-character limit) the part says it has no access, and `pipekit approve` (run with the
approver's access to every account) shows them. The approval has not started when the
review runs: its expiry is `pipekit approve`'s too."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Optional

from pipekit.aws.codebuild import CodeBuild
from pipekit.aws.codepipeline import CodePipeline
from pipekit.release.dossier import Dossier
from pipekit.release.dossier_sources import NamedAlarmHistory, gather  # noqa: F401 - the handler's
from pipekit.release.review import Review


def previous_stage(declaration: dict, stage: str) -> Optional[str]:
    """The nearest stage before `stage` that deploys (an environment's stage), or None."""
    stages = declaration.get("stages") or []
    names = [s.get("name") for s in stages]
    if stage not in names:
        return None
    for candidate in reversed(stages[: names.index(stage)]):
        if any((a.get("actionTypeId") or {}).get("category") == "Deploy" for a in candidate.get("actions") or []):
            return candidate.get("name")
    return None


def release_dossier(codepipeline: Any, codebuild: Any, params: dict[str, str], execution_id: str, review: Review,
                    rollback: str, now: datetime, report_url: str, alarms: Optional[Callable[[], Any]] = None) -> Dossier:
    cp = CodePipeline(codepipeline)
    try:
        before = previous_stage(cp.declaration(params["pipeline"]), params["stage"])
    except Exception:  # noqa: BLE001 - without the declaration, the soak part is left out
        before = None
    return gather(
        cp, CodeBuild(codebuild), pipeline=params["pipeline"], stage=params["stage"], environment=params["environment"],
        execution_id=execution_id, review=review, previous=(before, before) if before else None, cloudwatch=alarms,
        approval_since=None, approval_timeout=None, rollback=rollback, now=now, report_url=report_url,
    )
