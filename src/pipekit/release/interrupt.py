"""What a deploy leaves when it stops part-way (Ctrl-C, credentials expiring), said in
one line: what AWS goes on doing without pipekit, what was cleaned up or left, and the
command that follows on. A change set pipekit created and did not execute is deleted on
Ctrl-C, and so is the empty stack (REVIEW_IN_PROGRESS) its CREATE change set made."""

from __future__ import annotations

import contextlib
import signal
import threading
from dataclasses import dataclass
from typing import Any, Iterator, Optional

from pipekit.aws.cloudformation import ChangeSetNotFound, CloudFormation
from pipekit.aws.errors import CredentialsError, aws_errors
from pipekit.errors import Interrupted, PipekitError
from pipekit.release import changeset_ops

@dataclass
class InFlight:
    """The change set a deploy is working with, until the deploy has an outcome."""

    account: str
    stack: str
    change_set: str
    change_set_type: str  # CREATE | UPDATE
    executed: bool = False


def _delete_command(flight: InFlight) -> str:
    return f"aws cloudformation delete-change-set --stack-name {flight.stack} --change-set-name {flight.change_set}"


def _goes_on(flight: InFlight, rerun: str) -> str:
    return (
        f"CloudFormation goes on with {flight.stack} (change set {flight.change_set}) without pipekit; "
        f"`{rerun} --wait` follows it to its end (or see `pipekit status`)"
    )


def _executing(cf: CloudFormation, flight: InFlight) -> bool:
    if flight.executed:
        return True
    try:
        return cf.describe_change_set(flight.stack, flight.change_set).execution_status in changeset_ops.EXECUTED
    except ChangeSetNotFound:
        stack = cf.describe_stack(flight.stack)  # gone once executed; or never created
        return stack is not None and stack.in_progress


def settle(cf: CloudFormation, flight: InFlight, rerun: str) -> str:
    """After Ctrl-C: clean up what was not executed; the line that says what happened."""
    try:
        with aws_errors(flight.account):
            if _executing(cf, flight):
                return f"interrupted: {_goes_on(flight, rerun)}"
            changeset_ops.delete(cf, flight.stack, flight.change_set)
            removed = ""
            stack = cf.describe_stack(flight.stack)
            others = [s for s in cf.change_sets(flight.stack) if s.get("StackName") == flight.stack]
            if stack is not None and stack.status == "REVIEW_IN_PROGRESS" and not others:
                cf.delete_stack(stack.stack_id)  # the empty stack our CREATE change set made
                removed = f" and the empty stack {flight.stack}"
    except PipekitError as exc:
        return f"interrupted: change set {flight.change_set} on {flight.stack} may be left ({exc}); delete it with: {_delete_command(flight)}"
    return f"interrupted: deleted change set {flight.change_set} (not executed){removed}; nothing goes on in AWS; run `{rerun}` to deploy"


def left_after_credentials(flight: InFlight, rerun: str) -> str:
    """What a deploy leaves when its credentials stop working part-way (nothing can be
    cleaned up without them)."""
    if flight.executed:
        return f"{_goes_on(flight, rerun)} once you have logged in again"
    return (
        f"change set {flight.change_set} on {flight.stack} was created and not executed; once logged in again, "
        f"delete it ({_delete_command(flight)}) and run `{rerun}`"
    )


@contextlib.contextmanager
def _no_second_interrupt() -> Iterator[None]:
    """A second Ctrl-C must not stop the clean-up half-way."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def guarded(deployer: Any, rerun: str) -> Iterator[None]:
    """Run a deploy; on Ctrl-C settle what `deployer.in_flight` holds and exit 130, on
    expired credentials say what was left. `rerun` is the command that deploys again."""
    try:
        yield
    except KeyboardInterrupt:
        flight: Optional[InFlight] = deployer.in_flight
        if flight is None:
            raise Interrupted(f"interrupted: no change set was in flight, so nothing goes on in AWS; run `{rerun}` to deploy") from None
        with _no_second_interrupt():
            line = settle(deployer.cf, flight, rerun)
        raise Interrupted(line) from None
    except CredentialsError as exc:
        flight = deployer.in_flight
        if flight is None:
            raise
        raise CredentialsError(f"{exc}; {left_after_credentials(flight, rerun)}") from None
