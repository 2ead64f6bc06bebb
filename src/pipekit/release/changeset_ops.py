"""Change-set mutations that hold when a response is lost.

A request can reach CloudFormation and its answer never come back; botocore then sends
it again. Each call carries a token derived from the change set's name (ClientToken on
CreateChangeSet, ClientRequestToken on ExecuteChangeSet, as botocore's model declares),
so CloudFormation takes the second copy for the first. Where it still answers that the
first one happened (the change set "already exists", "cannot be executed in its current
status of EXECUTE_IN_PROGRESS", "does not exist" after our own delete), that answer is
recognised as our own earlier call succeeding: the name has a random part, so no one
else made it."""

from __future__ import annotations

import secrets
import time
from typing import Any, Optional

from pipekit.aws.cloudformation import ChangeSetExists, ChangeSetNotExecutable, ChangeSetNotFound, CloudFormation

PREFIX = "pipekit-"
EXECUTED = ("EXECUTE_IN_PROGRESS", "EXECUTE_COMPLETE", "EXECUTE_FAILED")


def new_name(now: Optional[float] = None) -> str:
    """pipekit-YYYYmmdd-HHMMSS-xxxx: sortable, and unique to one deploy."""
    return f"{PREFIX}{time.strftime('%Y%m%d-%H%M%S', time.gmtime(now))}-{secrets.token_hex(2)}"


def token(change_set_name: str) -> str:
    """The idempotency token of every mutation of one change set: the same for a retry,
    new for each deploy (the API's pattern: letters, digits, hyphens; at most 128)."""
    return change_set_name


def create(cf: CloudFormation, *, stack_name: str, change_set_name: str, **kwargs: Any) -> bool:
    """Create the change set; False when an earlier copy of this call already had."""
    try:
        cf.create_change_set(stack_name=stack_name, change_set_name=change_set_name, client_token=token(change_set_name), **kwargs)
        return True
    except ChangeSetExists:
        cf.describe_change_set(stack_name, change_set_name)  # ours: it must be there to reuse
        return False


def execute(cf: CloudFormation, stack_name: str, change_set_name: str, stack_id: str, marker: Optional[str]) -> bool:
    """Execute the change set; False when an earlier copy of this call already had
    (the stack is then followed all the same). `marker` is the stack's last event before."""
    try:
        cf.execute_change_set(stack_name, change_set_name, token(change_set_name))
        return True
    except ChangeSetNotExecutable as exc:
        if exc.execution_status in EXECUTED:
            return False
        raise
    except ChangeSetNotFound:
        # Executing a change set deletes the stack's others. Ours is gone: it was our
        # execution only if the stack's new events carry our token (else another
        # deploy's execution removed it, and ours never ran). With no marker (a stack this
        # change set created) its earlier events are REVIEW_IN_PROGRESS, without our token.
        if any(e.client_request_token == token(change_set_name) for e in cf.events_since(stack_id, marker)):
            return False
        raise


def delete(cf: CloudFormation, stack_name: str, change_set_name: str) -> None:
    """Delete the change set; "not found" after our own delete is success."""
    try:
        cf.delete_change_set(stack_name, change_set_name)
    except ChangeSetNotFound:
        pass
