"""CloudFormation: stacks, change sets and events as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Optional, Union

from pipekit.aws.cfn_drift import DriftCalls
from pipekit.aws.errors import AwsError, error_code, error_message


class StackNotFound(AwsError):
    pass


class ChangeSetNotFound(AwsError):
    pass


class ChangeSetExists(AwsError):
    """CreateChangeSet found a change set of that name already (AlreadyExistsException)."""


class ChangeSetNotExecutable(AwsError):
    """ExecuteChangeSet refused: the change set is not AVAILABLE (InvalidChangeSetStatus)."""

    @property
    def execution_status(self) -> str:
        """The status CloudFormation names: "... in its current status of [EXECUTE_COMPLETE]"."""
        _, _, rest = str(self).rpartition("[")
        return rest.rstrip("].") if rest else ""

# Largest template CloudFormation accepts inline (TemplateBody).
MAX_TEMPLATE_BODY = 51_200

FAILED_CREATE_STATES = {"ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "CREATE_FAILED"}
SUCCESS_STATES = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"}
FAILURE_STATES = {
    "CREATE_FAILED",
    "ROLLBACK_COMPLETE",
    "ROLLBACK_FAILED",
    "UPDATE_FAILED",
    "UPDATE_ROLLBACK_COMPLETE",
    "UPDATE_ROLLBACK_FAILED",
    "DELETE_FAILED",
    "IMPORT_ROLLBACK_COMPLETE",
    "IMPORT_ROLLBACK_FAILED",
}
TERMINAL_STATES = SUCCESS_STATES | FAILURE_STATES | {"DELETE_COMPLETE"}


@dataclass(frozen=True)
class Stack:
    name: str
    stack_id: str
    status: str
    status_reason: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    last_updated: Optional[datetime] = None
    capabilities: tuple[str, ...] = ()
    parameter_keys: tuple[str, ...] = ()
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def in_progress(self) -> bool:
        return self.status.endswith("_IN_PROGRESS") and self.status != "REVIEW_IN_PROGRESS"


@dataclass(frozen=True)
class ResourceChange:
    action: str  # Add | Modify | Remove | Import | Dynamic
    logical_id: str
    physical_id: str
    resource_type: str
    replacement: str  # True | False | Conditional | "" (not applicable)
    details: tuple[dict, ...] = ()
    change_set_id: str = ""  # set for nested stacks' own change sets
    policy_action: str = ""  # Delete | Retain | Snapshot | ReplaceAndDelete | ReplaceAndRetain | ReplaceAndSnapshot
    # With IncludePropertyValues: JSON of the resource ({"Properties": ...}) before and after.
    before_context: str = ""
    after_context: str = ""
    drift_status: str = ""  # drift-aware change sets only: IN_SYNC | MODIFIED | DELETED | ...


@dataclass(frozen=True)
class ChangeSet:
    change_set_id: str
    name: str
    stack_name: str
    stack_id: str
    status: str
    status_reason: str
    execution_status: str
    changes: tuple[ResourceChange, ...]

    @property
    def is_empty(self) -> bool:
        """CloudFormation's way of saying "nothing to change"."""
        reason = self.status_reason.lower()
        return self.status == "FAILED" and (
            "didn't contain changes" in reason or "no updates are to be performed" in reason or "submitted information didn't contain changes" in reason
        )


@dataclass(frozen=True)
class StackEvent:
    event_id: str
    stack_id: str
    stack_name: str
    timestamp: datetime
    logical_id: str
    physical_id: str
    resource_type: str
    status: str
    reason: str = ""
    client_request_token: str = ""  # of the operation that caused it (ExecuteChangeSet's token)


class CloudFormation(DriftCalls):
    """Stack and change-set calls in one account and region (drift calls: cfn_drift.py)."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def describe_stack(self, name: str) -> Optional[Stack]:
        try:
            stacks = self.client.describe_stacks(StackName=name)["Stacks"]
        except Exception as exc:
            if error_code(exc) == "ValidationError" and "does not exist" in error_message(exc):
                return None
            raise
        if not stacks:
            return None
        raw = stacks[0]
        return Stack(
            name=raw["StackName"],
            stack_id=raw["StackId"],
            status=raw["StackStatus"],
            status_reason=raw.get("StackStatusReason", ""),
            outputs={o["OutputKey"]: o["OutputValue"] for o in raw.get("Outputs", [])},
            last_updated=raw.get("LastUpdatedTime") or raw.get("CreationTime"),
            capabilities=tuple(raw.get("Capabilities", [])),
            parameter_keys=tuple(p["ParameterKey"] for p in raw.get("Parameters", [])),
            tags={t["Key"]: t["Value"] for t in raw.get("Tags", [])},
        )

    def create_change_set(
        self,
        *,
        stack_name: str,
        change_set_name: str,
        template_body: str,
        change_set_type: str,
        parameters: dict[str, str],
        capabilities: list[str],
        tags: dict[str, str],
        client_token: Optional[str] = None,
        description: str = "created by pipekit",
        template_url: str = "",
        role_arn: Optional[str] = None,
    ) -> str:
        """With template_url, CloudFormation reads the template from S3 (for one too large
        to pass inline); template_body is then only what pipekit reviews."""
        if not template_url and len(template_body.encode("utf-8")) > MAX_TEMPLATE_BODY:
            raise AwsError(f"{stack_name}: the template is larger than {MAX_TEMPLATE_BODY} bytes, CloudFormation's inline limit")
        kwargs: dict[str, Any] = {
            "StackName": stack_name,
            "ChangeSetName": change_set_name,
            **({"TemplateURL": template_url} if template_url else {"TemplateBody": template_body}),
            "ChangeSetType": change_set_type,
            "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
            "Capabilities": capabilities,
            "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
            "IncludeNestedStacks": True,
            "Description": description,
        }
        if role_arn:
            kwargs["RoleARN"] = role_arn  # the stack's service role, as the pipeline deploys it
        if client_token:  # a retried request is then recognised as the same one
            kwargs["ClientToken"] = client_token
        try:
            return self.client.create_change_set(**kwargs)["Id"]
        except Exception as exc:
            if error_code(exc) == "AlreadyExistsException":
                raise ChangeSetExists(error_message(exc), "AlreadyExistsException") from None
            raise

    def describe_change_set(self, stack_name: Optional[str], change_set_name: str, property_values: bool = False) -> ChangeSet:
        """The change set with every change (all pages); with property_values, the
        before and after values of changed properties where CloudFormation has them."""
        changes: list[ResourceChange] = []
        kwargs: dict[str, Any] = {"ChangeSetName": change_set_name}
        if stack_name:  # optional when the name is the change set's ARN
            kwargs["StackName"] = stack_name
        if property_values:
            kwargs["IncludePropertyValues"] = True
        while True:
            try:
                page = self.client.describe_change_set(**kwargs)
            except Exception as exc:
                if error_code(exc) == "ChangeSetNotFound":
                    raise ChangeSetNotFound(error_message(exc), "ChangeSetNotFound") from None
                raise
            changes += [_resource_change(c) for c in page.get("Changes", []) if c.get("Type", "Resource") == "Resource"]
            token = page.get("NextToken")
            if not token:
                break
            kwargs["NextToken"] = token
        return ChangeSet(
            change_set_id=page["ChangeSetId"],
            name=page["ChangeSetName"],
            stack_name=page["StackName"],
            stack_id=page["StackId"],
            status=page["Status"],
            status_reason=page.get("StatusReason", ""),
            execution_status=page.get("ExecutionStatus", ""),
            changes=tuple(changes),
        )

    def pending_change_sets(self, stack_name: str) -> list[dict]:
        """Change sets ready to execute, newest first."""
        summaries = [s for s in self._change_set_summaries(stack_name) if s.get("Status") == "CREATE_COMPLETE" and s.get("ExecutionStatus") == "AVAILABLE"]
        return sorted(summaries, key=lambda s: s["CreationTime"], reverse=True)

    def _change_set_summaries(self, stack_name: str) -> list[dict]:
        summaries: list[dict] = []
        kwargs: dict[str, Any] = {"StackName": stack_name}
        while True:
            try:
                page = self.client.list_change_sets(**kwargs)
            except Exception as exc:
                if error_code(exc) == "ValidationError" and "does not exist" in error_message(exc):
                    raise StackNotFound(error_message(exc), "ValidationError") from None
                raise
            summaries += page.get("Summaries", [])
            if not page.get("NextToken"):
                return summaries
            kwargs["NextToken"] = page["NextToken"]

    def get_template(self, stack_name: str, change_set_name: Optional[str] = None, stage: str = "Original") -> Union[str, dict, None]:
        """The stack's template (or the change set's) as CloudFormation returns it: YAML
        text, or a dict for JSON; None for a stack never created. Stage "Processed" is the
        template after transforms (SAM), with the logical ids change sets name."""
        kwargs: dict[str, Any] = {"StackName": stack_name, "TemplateStage": stage}
        if change_set_name:
            kwargs["ChangeSetName"] = change_set_name
        try:
            return self.client.get_template(**kwargs).get("TemplateBody")
        except Exception as exc:
            if error_code(exc) in ("ValidationError", "ChangeSetNotFound"):
                return None
            raise

    def execute_change_set(self, stack_name: str, change_set_name: str, client_request_token: Optional[str] = None) -> None:
        kwargs: dict[str, Any] = {"StackName": stack_name, "ChangeSetName": change_set_name}
        if client_request_token:
            kwargs["ClientRequestToken"] = client_request_token
        try:
            self.client.execute_change_set(**kwargs)
        except Exception as exc:
            _raise_change_set_error(exc)
            raise

    def delete_change_set(self, stack_name: str, change_set_name: str) -> None:
        try:
            self.client.delete_change_set(StackName=stack_name, ChangeSetName=change_set_name)
        except Exception as exc:
            _raise_change_set_error(exc)
            raise

    def change_sets(self, stack_name: str) -> list[dict]:
        """Every change set of the stack (all pages), as ListChangeSets summarises them;
        [] for a stack that does not exist."""
        try:
            return self._change_set_summaries(stack_name)
        except StackNotFound:
            return []

    # Rollback remedies: called with a planned step's parameters, as they are.
    def cancel_update_stack(self, params: dict[str, Any]) -> None:
        self.client.cancel_update_stack(**params)

    def continue_update_rollback(self, params: dict[str, Any]) -> None:
        self.client.continue_update_rollback(**params)

    def rollback_stack(self, params: dict[str, Any]) -> None:
        """Back to the last stable state after a deploy with rollback disabled."""
        self.client.rollback_stack(**params)

    def resources(self, stack_name: str) -> list[dict]:
        """LogicalResourceId, PhysicalResourceId, ResourceType, ResourceStatus of each resource."""
        return self.client.describe_stack_resources(StackName=stack_name).get("StackResources", [])

    def delete_stack(self, stack_name: str) -> None:
        self.client.delete_stack(StackName=stack_name)

    def latest_event_id(self, stack: str) -> Optional[str]:
        page = self.client.describe_stack_events(StackName=stack)
        events = page.get("StackEvents", [])
        return events[0]["EventId"] if events else None

    def events_since(self, stack: str, last_seen: Optional[str] = None) -> list[StackEvent]:
        """Events newer than the event id `last_seen` (all events when None), oldest first."""
        newer: list[StackEvent] = []
        kwargs: dict[str, Any] = {"StackName": stack}
        while True:
            page = self.client.describe_stack_events(**kwargs)
            for raw in page.get("StackEvents", []):
                if last_seen is not None and raw["EventId"] == last_seen:
                    return list(reversed(newer))
                newer.append(_event(raw))
            token = page.get("NextToken")
            if not token:
                return list(reversed(newer))
            kwargs["NextToken"] = token


def _raise_change_set_error(exc: BaseException) -> None:
    code = error_code(exc)
    if code == "ChangeSetNotFound" or (code == "ValidationError" and "does not exist" in error_message(exc)):
        raise ChangeSetNotFound(error_message(exc), code) from None
    if code == "InvalidChangeSetStatus":
        raise ChangeSetNotExecutable(error_message(exc), code) from None


def _resource_change(raw: dict) -> ResourceChange:
    rc = raw["ResourceChange"]
    return ResourceChange(
        action=rc.get("Action", ""),
        logical_id=rc.get("LogicalResourceId", ""),
        physical_id=rc.get("PhysicalResourceId", ""),
        resource_type=rc.get("ResourceType", ""),
        replacement=rc.get("Replacement", ""),
        details=tuple(rc.get("Details", [])),
        change_set_id=rc.get("ChangeSetId", ""),
        policy_action=rc.get("PolicyAction", ""),
        before_context=rc.get("BeforeContext", ""),
        after_context=rc.get("AfterContext", ""),
        drift_status=rc.get("ResourceDriftStatus", ""),
    )


def _event(raw: dict) -> StackEvent:
    return StackEvent(
        event_id=raw["EventId"],
        stack_id=raw["StackId"],
        stack_name=raw["StackName"],
        timestamp=raw["Timestamp"],
        logical_id=raw.get("LogicalResourceId", ""),
        physical_id=raw.get("PhysicalResourceId", ""),
        resource_type=raw.get("ResourceType", ""),
        status=raw.get("ResourceStatus", ""),
        reason=raw.get("ResourceStatusReason", ""),
        client_request_token=raw.get("ClientRequestToken", ""),
    )
