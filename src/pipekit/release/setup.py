"""The first-time order of pipekit's own stacks across the accounts, and what of it is
still to deploy. Pure: callers read the stacks' states.

CodePipeline starts an execution the moment a pipeline is created, and that execution
assumes the target accounts' deployment, execution and review roles. So the pipeline
stack comes last: the build account's artifact stack first (the target stacks need the
artifact key), then every target account's roles, then the pipeline. `pipekit deploy
--account build` holds the pipeline stack back until the target stacks are in place,
and `pipekit status` lists what is still missing in this order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Optional

from pipekit.config.constants import BUILD_ACCOUNT
from pipekit.project import names

if TYPE_CHECKING:
    from pipekit.config.models import Config

# A stack whose resources exist: created once and not since deleted or rolled back on
# create. An update in progress or rolled back still leaves the roles in place.
_NOT_IN_PLACE = {
    "REVIEW_IN_PROGRESS", "CREATE_IN_PROGRESS", "CREATE_FAILED", "ROLLBACK_IN_PROGRESS", "ROLLBACK_FAILED",
    "ROLLBACK_COMPLETE", "DELETE_IN_PROGRESS", "DELETE_FAILED", "DELETE_COMPLETE",
}


@dataclass(frozen=True)
class SetupStack:
    account: str
    stack: str
    what: str

    @property
    def command(self) -> str:
        return f"pipekit deploy --account {self.account}"

    def describe(self) -> str:
        return f"{self.stack} in {self.account} ({self.command})"


def setup_order(cfg: Config) -> list[SetupStack]:
    """Every stack `pipekit deploy` puts in place, in the order a first setup needs."""
    return [
        SetupStack(BUILD_ACCOUNT, names.artifacts_stack(cfg), "artifact key and bucket"),
        *pipeline_prerequisites(cfg),
        SetupStack(BUILD_ACCOUNT, names.pipeline_stack(cfg), "the pipeline; its first execution starts when it is created"),
    ]


def pipeline_prerequisites(cfg: Config) -> list[SetupStack]:
    """The stacks the pipeline's first execution needs in place: each target account's
    deployment, execution and review roles."""
    return [SetupStack(account, names.target_stack(cfg), "deployment, execution and review roles") for account in cfg.target_accounts]


def in_place(status: Optional[str]) -> bool:
    return bool(status) and status not in _NOT_IN_PLACE


def still_to_deploy(order: list[SetupStack], status_of: Callable[[SetupStack], Optional[str]]) -> list[SetupStack]:
    """The stacks of `order` that are not in place, in order (status None: no stack)."""
    return [step for step in order if not in_place(status_of(step))]


def waiting_message(pipeline_stack: str, missing: list[SetupStack], unreadable: Optional[dict[SetupStack, str]] = None) -> tuple[str, ...]:
    """What `pipekit deploy --account build` says when it holds the pipeline back; a
    stack that could not be read is named with the reason."""
    unreadable = unreadable or {}
    absent = [step for step in missing if step not in unreadable]
    lines = []
    if absent:
        lines.append(f"{pipeline_stack} is not created yet: its first execution would assume roles that do not exist yet in "
                     + ", ".join(step.account for step in absent))
    lines += [f"{pipeline_stack} is not created yet: could not read {step.stack} in {step.account}: {why}" for step, why in unreadable.items()]
    lines += [f"deploy {step.stack}: {step.command}" for step in absent]
    return (*lines, "then run pipekit deploy --account build again to create the pipeline")
