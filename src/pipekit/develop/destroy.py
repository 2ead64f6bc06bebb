"""Removing a developer's stack: only one that pipekit made for that name (its tags say
so), followed to its end like a deploy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from pipekit.develop.personal import PERSONAL_TAG, PROJECT_TAG, PersonalStack, owned_by
from pipekit.errors import PipekitError
from pipekit.release.follow import first_failure, follow_stack
from pipekit.release.polling import Backoff


class NotPersonalStack(PipekitError):
    """The stack exists but is not pipekit's personal stack for this name."""


@dataclass(frozen=True)
class Destroyed:
    stack: str
    result: str  # absent | declined | deleted | failed
    reason: str = ""


def destroy(cf: Any, target: PersonalStack, project: str, on_event: Callable[[Any], None], confirm: Callable[[str], bool],
            backoff: Callable[[], Backoff] = Backoff) -> Destroyed:
    stack = cf.describe_stack(target.stack)
    if stack is None:
        return Destroyed(target.stack, "absent")
    if not owned_by(stack.tags, target, project):
        found = {k: v for k, v in stack.tags.items() if k in (PERSONAL_TAG, PROJECT_TAG)} or "none of pipekit's"
        raise NotPersonalStack(
            f"{target.stack} was not made by `pipekit dev deploy --name {target.name}` for project {project} "
            f"(expected tags {PROJECT_TAG}={project} and {PERSONAL_TAG}={target.name}, found {found}); nothing was deleted"
        )
    if stack.in_progress:
        raise PipekitError(f"{target.stack} is busy ({stack.status}); wait for it to finish")
    if not confirm(target.stack):
        return Destroyed(target.stack, "declined")
    marker = cf.latest_event_id(stack.stack_id)
    cf.delete_stack(stack.stack_id)  # by id: the name could be reused by the time we look
    final, events = follow_stack(cf, stack.stack_id, marker, on_event, backoff())
    if final.status == "DELETE_COMPLETE":
        return Destroyed(target.stack, "deleted")
    cause = first_failure(events)
    return Destroyed(target.stack, "failed", f"{final.status}: {cause.logical_id} {cause.reason}" if cause else final.status)
