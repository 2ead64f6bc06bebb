"""Which change set a waiting manual approval gates, what its dossier covers, and the summary
recorded with the answer. Pure: works on the pipeline's declaration and the config."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from pipekit.aws.codepipeline import PendingApproval
from pipekit.errors import PipekitError, UsageError
from pipekit.project import layout
from pipekit.release.review import Review
from pipekit.release.rollback_detection import Rollback

if TYPE_CHECKING:
    from pipekit.config.models import Config, Environment

ACCOUNT_IN_ARN = re.compile(r"^arn:[a-z-]+:iam::(\d{12}):role/")


class NothingToApprove(PipekitError):
    pass


@dataclass(frozen=True)
class Gate:
    approval: PendingApproval
    account: str
    stack: str
    change_set: str


def choose(approvals: list[PendingApproval], env: Optional[Environment]) -> PendingApproval:
    """The one waiting approval (of `env`'s stage, when given)."""
    if env:
        approvals = [a for a in approvals if a.stage == layout.stage_name(env)]
    if not approvals:
        where = f" for {env.name}" if env else ""
        raise NothingToApprove(f"no manual approval is waiting{where} in the pipeline")
    if len(approvals) > 1:
        stages = ", ".join(a.stage for a in approvals)
        raise UsageError(f"approvals are waiting in several stages ({stages}); choose one with --env")
    return approvals[0]


def gate_of(approval: PendingApproval, actions: list[dict], cfg: Config) -> Gate:
    """The change set the approval gates: the stage's CHANGE_SET_REPLACE action, in the
    account whose deployment role it assumes."""
    creates = [
        a for a in actions
        if (a.get("configuration") or {}).get("ActionMode") == "CHANGE_SET_REPLACE" and a.get("runOrder", 1) < _run_order(actions, approval.action)
    ]
    if not creates:
        raise PipekitError(f"stage {approval.stage} creates no change set before {approval.action}; nothing to review")
    create = max(creates, key=lambda a: a.get("runOrder", 1))  # the nearest before the approval
    match = ACCOUNT_IN_ARN.match(create.get("roleArn") or "")
    if not match:
        raise PipekitError(f"stage {approval.stage}: cannot tell from {create.get('name')} which account it deploys to")
    account = next((name for name, a in cfg.accounts.items() if a.id == match.group(1)), None)
    if account is None:
        raise PipekitError(f"stage {approval.stage} deploys to account {match.group(1)}, which pipekit.yaml does not name")
    config = create["configuration"]
    return Gate(approval, account, config["StackName"], config["ChangeSetName"])


@dataclass(frozen=True)
class DossierScope:
    """What the dossier of a waiting approval covers."""

    environment: str  # the environment the approval gates (the stage's name if none matches)
    previous: Optional[Environment]  # the one before it, whose soak and alarms the dossier shows
    timeout_minutes: Optional[int]  # the approval action's own timeout, when the declaration sets one


def dossier_scope(approval: PendingApproval, actions: list[dict], cfg: Config) -> DossierScope:
    envs = cfg.environments
    index = next((i for i, e in enumerate(envs) if layout.stage_name(e) == approval.stage), None)
    timeout = next((a.get("timeoutInMinutes") for a in actions if a.get("name") == approval.action), None)
    return DossierScope(envs[index].name if index is not None else approval.stage, envs[index - 1] if index else None, timeout)


def _run_order(actions: list[dict], name: str) -> int:
    return next((a.get("runOrder", 1) for a in actions if a.get("name") == name), 10**6)


def rollback_notice(rollback: Rollback) -> str:
    """Said before the change set when the approval gates a stage rollback."""
    return (
        f"{rollback.describe()}: pipeline execution {rollback.execution_id} rolls this stage back to what "
        f"execution {rollback.target_execution_id} deployed. A rollback is reviewed and approved like any change."
    )


def summary(gate: Gate, review: Review, approved: bool, note: Optional[str], rollback: Optional[Rollback] = None) -> str:
    """What the pipeline records with the answer (PutApprovalResult allows 512 characters)."""
    verb = "Approved" if approved else "Rejected"
    what = f"{rollback.describe()}: change set" if rollback else "change set"
    text = f"{verb} {what} {gate.change_set} of {gate.stack} ({review.verdict()}) with pipekit."
    if note:
        text += f" {note}"
    return text[:512]
