"""Finding and loading a change set for review, nested stacks included."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Optional

from pipekit.aws.cloudformation import ChangeSet, ChangeSetNotFound, CloudFormation, StackNotFound
from pipekit.errors import PipekitError, UsageError
from pipekit.project import cfn_yaml
from pipekit.recovery.drift import MAX_WAIT, StackDrift
from pipekit.release.overlap import together
from pipekit.release.review import Review, review, template_policies
from pipekit.release.sam_groups import sam_template

# The review function (pipekit/review_function) runs load_review in Lambda without the
# config's models (pydantic): they are needed for review_target only.
if TYPE_CHECKING:
    from pipekit.config.models import Config, Environment

NESTED_DEPTH = 5


class ChangeSetUnavailable(PipekitError):
    """The change set to review does not exist, failed, or already ran."""


def newest_pending(cf: CloudFormation, stack: str) -> str:
    try:
        pending = cf.pending_change_sets(stack)
    except StackNotFound as exc:
        raise ChangeSetUnavailable(f"stack {stack} does not exist: {exc}") from None
    if not pending:
        raise ChangeSetUnavailable(f"stack {stack} has no change set waiting to be executed")
    return pending[0]["ChangeSetName"]


def load_review(cf: CloudFormation, stack: Optional[str], name: str, depth: int = 0, drift: bool = False,
                on_drift: Callable[[Any], None] = lambda _: None, drift_wait: float = MAX_WAIT) -> Review:
    """Describe the change set (with property values), read the templates (the processed
    ones' retention policies, and policy documents where the change set's values are cut
    short; the originals' SAM resources, to group what the transform generated), and
    review nested stacks' change sets the same way. With `drift`, detect the stack's drift
    first (progress to `on_drift`) so that changes resetting drifted properties carry the
    overwrites-drift risk; nested stacks are not detected."""
    try:
        change_set = cf.describe_change_set(stack, name, property_values=True)
    except ChangeSetNotFound:
        raise ChangeSetUnavailable(f"change set {name} of {stack} is gone (deleted, or replaced by a newer one)") from None
    if change_set.execution_status == "OBSOLETE":
        raise ChangeSetUnavailable(f"change set {change_set.name} of {change_set.stack_name} is obsolete: the stack changed after it was created")
    if change_set.execution_status in ("EXECUTE_COMPLETE", "EXECUTE_IN_PROGRESS", "EXECUTE_FAILED"):
        raise ChangeSetUnavailable(f"change set {change_set.name} of {change_set.stack_name} was already executed ({change_set.execution_status})")
    if change_set.status != "CREATE_COMPLETE":
        reason = change_set.status_reason or change_set.status
        raise ChangeSetUnavailable(f"change set {change_set.name} of {change_set.stack_name} is not ready: {reason}")
    nested_changes = [c for c in change_set.changes if c.resource_type == "AWS::CloudFormation::Stack" and c.change_set_id]
    # The two templates and the nested stacks' change sets need nothing from each other.
    (current, current_processed), (proposed, proposed_processed), *nested_reviews = together(
        lambda: _templates(cf, change_set.stack_id, None),
        lambda: _templates(cf, change_set.stack_id, change_set.change_set_id),
        *[lambda c=c: load_review(cf, None, c.change_set_id, depth + 1) for c in (nested_changes if depth < NESTED_DEPTH else [])],
    )
    nested = {change.logical_id: nested_review for change, nested_review in zip(nested_changes, nested_reviews)}
    processed = (current_processed, proposed_processed)
    detected = _drift(cf, change_set, on_drift, drift_wait) if drift else None
    return review(change_set, template_policies(*processed), nested, processed, sam_template(current, proposed), detected)


def _drift(cf: CloudFormation, change_set: ChangeSet, on_drift: Callable[[Any], None], max_wait: float) -> StackDrift:
    from pipekit.recovery.drift import detect

    stack = cf.describe_stack(change_set.stack_id)
    if stack is None or stack.status == "REVIEW_IN_PROGRESS":  # a CREATE change set: nothing deployed to drift
        return StackDrift(change_set.stack_name, None)
    return detect(cf, change_set.stack_name, on_drift, max_wait=max_wait)


def _templates(cf: CloudFormation, stack: str, change_set: Optional[str]) -> tuple[Optional[dict], Optional[dict]]:
    """(original, processed): a template with a Transform (SAM) is read again after the
    transform, whose logical ids and policies are the ones the change set names."""
    original = _template_or_none(cf, stack, change_set, "Original")
    if original and original.get("Transform"):
        return original, _template_or_none(cf, stack, change_set, "Processed")
    return original, original


def _template_or_none(cf: CloudFormation, stack: str, change_set: Optional[str], stage: str) -> Optional[dict]:
    # A stack that was never created has no current template; reading it is not an error.
    body = cf.get_template(stack, change_set, stage=stage)
    if isinstance(body, dict) or not body:
        return body or None
    try:
        return cfn_yaml.loads(body)
    except ValueError:
        return None


def review_target(cfg: Config, account: Optional[str], env: Optional[Environment], stack: Optional[str]) -> tuple[str, str]:
    """(account, stack) from --account/--env/--stack: an environment means its account and
    its service stack; an account that hosts one environment means that one's stack."""
    from pipekit.project import names

    if env:
        if account and account != env.account:
            raise UsageError(f"environment {env.name} is in account {env.account}, not {account}")
        return env.account, stack or names.service_stack(cfg, env.name)
    if not account:
        raise UsageError("say which change set: --env NAME, or --account NAME (with --stack)")
    if account not in cfg.accounts:
        raise UsageError(f"unknown account {account!r} (known: {', '.join(sorted(cfg.accounts))})")
    if stack:
        return account, stack
    hosted = [e.name for e in cfg.environments if e.account == account]
    if len(hosted) != 1:
        raise UsageError(f"account {account} hosts {len(hosted)} environments ({', '.join(hosted) or 'none'}): pass --stack or --env")
    return account, names.service_stack(cfg, hosted[0])
