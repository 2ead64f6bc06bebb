"""pipekit deploy: putting planned stacks in place through change sets (the plan is
release/stack_plan.py). The core decides and reports through events; ui/ prints them."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Optional, Union

from pipekit.project import cfn_yaml
from pipekit.aws.cloudformation import (
    FAILED_CREATE_STATES,
    SUCCESS_STATES,
    ChangeSet,
    CloudFormation,
    Stack,
    StackEvent,
)
from pipekit.aws.errors import aws_errors
from pipekit.errors import PipekitError
from pipekit.release import changeset_ops, concurrent, overlap
from pipekit.release.concurrent import WaitingForOtherDeploy
from pipekit.release.follow import ResourceEvent, first_failure, follow_stack, wait_for_change_set
from pipekit.release.polling import Backoff
from pipekit.release.interrupt import InFlight
from pipekit.release.review import Review, review, template_policies
from pipekit.release.sam_groups import sam_template
from pipekit.release.setup import SetupStack, in_place, still_to_deploy, waiting_message

if TYPE_CHECKING:
    from pipekit.recovery.drift import StackDrift

# The plan lives in release/stack_plan.py; its names stay reachable here, where the
# commands, ui/ and tests speak of deploy.StackPlan.
from pipekit.release.stack_plan import (  # noqa: E402,F401
    CodeUpload, DeployFailed, FromOutput, StackPlan, plan_account, resolve_parameters,
)


# ---------------------------------------------------------------- events the run reports


@dataclass(frozen=True)
class ChangeSetCreating:
    stack: str
    change_set: str
    change_set_type: str


@dataclass(frozen=True)
class ChangeSetReady:
    review: Review  # the change set with its risks, shown as `pipekit changeset show` shows it


@dataclass(frozen=True)
class StackReplacing:
    stack: str
    status: str


Event = Union[ChangeSetCreating, ChangeSetReady, ResourceEvent, StackReplacing, WaitingForOtherDeploy]


@dataclass(frozen=True)
class RootCause:
    stack: str
    logical_id: str
    resource_type: str
    status: str
    reason: str


@dataclass(frozen=True)
class StackOutcome:
    stack: str
    result: str  # no_changes | created_only | declined | succeeded | failed | waiting
    status: str = ""
    change_set: str = ""
    root_cause: Optional[RootCause] = None
    next_steps: tuple[str, ...] = ()
    outputs: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.result in ("no_changes", "created_only", "succeeded", "waiting")


# ---------------------------------------------------------------- the run


class StackDeployer:
    """Puts one planned stack in place through a change set and follows it to its end."""

    def __init__(
        self,
        cloudformation: CloudFormation,
        on_event: Callable[[Event], None],
        confirm: Callable[[ChangeSet], bool],  # asked before executing
        backoff: Callable[[], Backoff] = Backoff,
        clock: Callable[[], float] = time.monotonic,
        max_wait: float = 3 * 3600,
        wait_turn: bool = False,  # queue behind another deploy of the stack instead of refusing
        now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        drift: bool = False,  # detect an existing stack's drift before its review (overwrites-drift)
    ) -> None:
        self.drift = drift
        self.cf = cloudformation
        self.wait_turn = wait_turn
        self.now = now
        self.in_flight: Optional[InFlight] = None  # what Ctrl-C must settle (release/interrupt.py)
        self.on_event = on_event
        self.confirm = confirm
        self.backoff = backoff
        self.clock = clock
        self.max_wait = max_wait  # CloudFormation's own limits end a stack long before this

    def deploy(self, plan: StackPlan, parameters: dict[str, str], *, execute: bool = True, replace_failed: bool = False) -> StackOutcome:
        outcome = self._deploy(plan, parameters, execute, replace_failed)
        self.in_flight = None  # an outcome: nothing left for Ctrl-C to settle
        return outcome

    def _deploy(self, plan: StackPlan, parameters: dict[str, str], execute: bool, replace_failed: bool) -> StackOutcome:
        started = self.clock()
        existing = self._usable_stack(plan.stack_name, replace_failed)
        change_set_type = "CREATE" if existing is None or existing.status == "REVIEW_IN_PROGRESS" else "UPDATE"
        name = changeset_ops.new_name()
        self.on_event(ChangeSetCreating(plan.stack_name, name, change_set_type))
        template_body = plan.template.read_text(encoding="utf-8")
        self.in_flight = InFlight(plan.account, plan.stack_name, name, change_set_type)
        changeset_ops.create(
            self.cf,
            stack_name=plan.stack_name,
            change_set_name=name,
            template_body=template_body,
            template_url=plan.template_url,
            change_set_type=change_set_type,
            parameters=parameters,
            capabilities=list(plan.capabilities),
            tags=plan.tags,
            **({} if execute else {"description": concurrent.FOR_REVIEW}),
            role_arn=plan.role_arn,
        )
        change_set = self._wait_for_change_set(plan.stack_name, name)
        if change_set.is_empty:
            changeset_ops.delete(self.cf, plan.stack_name, name)
            return StackOutcome(plan.stack_name, "no_changes", existing.status if existing else "", seconds=self.clock() - started)
        if change_set.status != "CREATE_COMPLETE":
            raise DeployFailed(f"{plan.stack_name}: change set {name} failed: {change_set.status_reason or change_set.status}")
        # Follow the stack by id: a name can be reused after a deletion. A stack this change
        # set created has only its REVIEW_IN_PROGRESS events, which following skips: no
        # need to ask for its newest event first. An update's newest event is asked for
        # now, while the change set is reviewed: nothing adds events to the stack meanwhile.
        newest_event = overlap.started(lambda: self.cf.latest_event_id(change_set.stack_id)) if change_set_type == "UPDATE" else None
        # The template being deployed stands in for property values the change set lacks.
        proposed = cfn_yaml.loads(template_body)
        drift = self._drift(plan.stack_name) if change_set_type == "UPDATE" and self.drift else None
        self.on_event(ChangeSetReady(review(change_set, template_policies(proposed), templates=(None, proposed), sam=sam_template(proposed),
                                            drift=drift)))
        if not execute:
            return StackOutcome(plan.stack_name, "created_only", change_set=name, seconds=self.clock() - started)
        if not self.confirm(change_set):
            return StackOutcome(plan.stack_name, "declined", change_set=name, seconds=self.clock() - started)

        marker = newest_event() if newest_event else None
        changeset_ops.execute(self.cf, plan.stack_name, name, change_set.stack_id, marker)
        assert self.in_flight is not None
        self.in_flight.executed = True
        final, events = self._follow(change_set.stack_id, marker)
        seconds = self.clock() - started
        if final.status in SUCCESS_STATES:
            return StackOutcome(plan.stack_name, "succeeded", final.status, name, outputs=final.outputs, seconds=seconds)
        cause = self._root_cause(events)
        return StackOutcome(plan.stack_name, "failed", final.status, name, cause, _next_steps(final, change_set_type), seconds=seconds)

    def _drift(self, stack_name: str) -> "StackDrift":
        """The stack's drift, so that the review can mark changes that overwrite it."""
        from pipekit.recovery.drift import detect  # only with --fail-on overwrites-drift

        return detect(self.cf, stack_name, self.on_event, self.backoff(), self.clock)

    def _usable_stack(self, stack_name: str, replace_failed: bool) -> Optional[Stack]:
        stack = self._turn(stack_name)
        if stack is None:
            return None
        if stack.status in FAILED_CREATE_STATES:
            if not replace_failed:
                raise DeployFailed(
                    f"{stack_name} is {stack.status} from a failed first create and cannot be updated; "
                    f"delete it (aws cloudformation delete-stack --stack-name {stack_name}) or re-run with --replace-failed"
                )
            self.on_event(StackReplacing(stack_name, stack.status))
            self.cf.delete_stack(stack_name)
            self._wait_until_gone(stack_name)
            return None
        return stack

    def _turn(self, stack_name: str) -> Optional[Stack]:
        if self.wait_turn:
            concurrent.wait_for_turn(self.cf, stack_name, self.on_event, self.backoff(), self.now, self.clock, self.max_wait)
        return concurrent.take_turn(self.cf, stack_name, self.now())

    def _wait_for_change_set(self, stack: str, name: str) -> ChangeSet:
        return wait_for_change_set(self.cf, stack, name, self.backoff())

    def _wait_until_gone(self, stack_name: str) -> None:
        backoff = self.backoff()
        while True:
            stack = backoff.read(lambda: self.cf.describe_stack(stack_name))
            if stack is None or stack.status == "DELETE_COMPLETE":
                return
            if stack.status == "DELETE_FAILED":
                raise DeployFailed(f"{stack_name}: could not delete the failed stack: {stack.status_reason}")
            backoff.wait()

    def _follow(self, stack_name: str, last_seen: Optional[str]) -> tuple[Stack, list[StackEvent]]:
        return follow_stack(self.cf, stack_name, last_seen, self.on_event, self.backoff(), self.clock, self.max_wait)

    def _root_cause(self, events: list[StackEvent], depth: int = 0) -> Optional[RootCause]:
        """The first failure with a reason, followed into nested stacks."""
        cause = first_failure(events)
        if cause is None:
            return None
        if cause.resource_type == "AWS::CloudFormation::Stack" and cause.physical_id and depth < 5:
            nested = self.cf.events_since(cause.physical_id)
            deeper = self._root_cause(nested, depth + 1)
            if deeper is not None:
                return deeper
        return RootCause(cause.stack_name, cause.logical_id, cause.resource_type, cause.status, cause.reason)


def _next_steps(final: Stack, change_set_type: str) -> tuple[str, ...]:
    if final.status in FAILED_CREATE_STATES and change_set_type == "CREATE":
        return (
            f"the first create failed and left {final.name} in {final.status}, which cannot be updated:",
            f"fix the cause, then re-run with --replace-failed (or: aws cloudformation delete-stack --stack-name {final.name})",
        )
    if final.status == "UPDATE_ROLLBACK_FAILED":
        return (f"{final.name} could not roll back; continue the rollback (aws cloudformation continue-update-rollback) once the cause is fixed",)
    if final.status == "UPDATE_ROLLBACK_COMPLETE":
        return (f"{final.name} is back to its previous state; fix the cause and deploy again",)
    return ()


def deploy_stacks(
    plans: list[StackPlan],
    deployer: StackDeployer,
    read_output: Callable[[FromOutput], Optional[str]],
    on_outcome: Callable[[StackOutcome], None],
    *,
    execute: bool = True,
    replace_failed: bool = False,
    upload: Optional[Callable[[StackPlan, CodeUpload], None]] = None,
    status_of: Optional[Callable[[SetupStack], Optional[str]]] = None,
) -> list[StackOutcome]:
    """Deploy the planned stacks in order; stop at the first that fails or is declined,
    since later stacks build on it. A stack's uploads go first (through `upload`). A
    stack with prerequisites is not created while one of them is missing (`status_of`
    reads a stack's status in its account): it is reported as waiting, with what to
    deploy first."""
    outcomes: list[StackOutcome] = []
    for plan in plans:
        waiting, unreadable = _waiting_for(plan, deployer, status_of)
        if waiting:
            outcome = StackOutcome(plan.stack_name, "waiting", next_steps=waiting_message(plan.stack_name, waiting, unreadable))
            on_outcome(outcome)
            outcomes.append(outcome)
            break
        values = resolve_parameters(plan, read_output)
        if plan.uploads and upload is None:
            raise DeployFailed(f"{plan.stack_name} needs code uploaded first, and no uploader was given")
        for code in plan.uploads:
            _upload(plan, code, upload, execute)
        with aws_errors(plan.account):
            outcome = deployer.deploy(plan, values, execute=execute, replace_failed=replace_failed)
        on_outcome(outcome)
        outcomes.append(outcome)
        if not outcome.ok:
            break
    return outcomes


def _waiting_for(
    plan: StackPlan, deployer: StackDeployer, status_of: Optional[Callable[[SetupStack], Optional[str]]]
) -> tuple[list[SetupStack], dict[SetupStack, str]]:
    """The prerequisites still missing (an unreadable one counts, with its reason), when
    the stack is not in place yet."""
    unreadable: dict[SetupStack, str] = {}
    if not plan.prerequisites:
        return [], unreadable
    with aws_errors(plan.account):
        existing = deployer.cf.describe_stack(plan.stack_name)
    if in_place(existing.status if existing else None):
        return [], unreadable
    if status_of is None:
        raise DeployFailed(f"{plan.stack_name} needs {len(plan.prerequisites)} stacks in place first, and no way to read them was given")

    def status(step: SetupStack) -> Optional[str]:
        try:
            return status_of(step)
        except PipekitError as exc:  # cannot tell that the roles are there: do not create
            unreadable[step] = str(exc)
            return None

    return still_to_deploy(list(plan.prerequisites), status), unreadable


def _upload(plan: StackPlan, code: CodeUpload, upload: Callable[[StackPlan, CodeUpload], None], execute: bool) -> None:
    from pipekit.aws.s3 import BucketNotFound

    try:
        with aws_errors(plan.account):
            upload(plan, code)
    except BucketNotFound:
        if execute:
            raise DeployFailed(
                f"{plan.stack_name}: the bucket for {code.key} ({code.bucket}) does not exist; "
                f"execute the artifact stack's change set first (pipekit deploy --account build)"
            ) from None
        # --no-execute on a first deploy: the artifact stack's change set is still waiting,
        # so its bucket is not there; the deploy that executes uploads the code first.
