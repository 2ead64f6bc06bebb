"""CloudFormation drift calls as plain data: detection, its status, each resource's drift
and drift-aware change sets. Mixed into pipekit.aws.cloudformation.CloudFormation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional

from pipekit.aws.errors import AwsError, error_code, error_message

# botocore learnt CreateChangeSet's DeploymentMode (drift-aware change sets) in 1.40.76
# (boto3 1.40.76), released 2025-11-18 with CloudFormation's "drift-aware change sets".
REVERT_DRIFT_BOTOCORE = "1.40.76"
# Resource drift states that mean "differs from the template".
DRIFTED = ("MODIFIED", "DELETED")


class DriftUnsupported(AwsError):
    """The installed botocore cannot ask for what is needed."""


@dataclass(frozen=True)
class DriftDetection:
    detection_id: str
    stack_id: str
    status: str  # DETECTION_IN_PROGRESS | DETECTION_COMPLETE | DETECTION_FAILED
    stack_drift_status: str  # DRIFTED | IN_SYNC | UNKNOWN | NOT_CHECKED
    reason: str = ""
    drifted_count: int = 0

    @property
    def finished(self) -> bool:
        return self.status != "DETECTION_IN_PROGRESS"


@dataclass(frozen=True)
class PropertyDifference:
    path: str  # PropertyPath, a JSON pointer into the resource: /BillingMode, /Tags/0/Value
    expected: str  # the template's value (JSON text)
    actual: str  # the live value (JSON text)
    kind: str  # ADD | REMOVE | NOT_EQUAL


@dataclass(frozen=True)
class ResourceDrift:
    logical_id: str
    physical_id: str
    resource_type: str
    status: str  # IN_SYNC | MODIFIED | DELETED | NOT_CHECKED | UNKNOWN | UNSUPPORTED
    differences: tuple[PropertyDifference, ...] = ()
    reason: str = ""
    checked_at: Optional[datetime] = None

    @property
    def drifted(self) -> bool:
        return self.status in DRIFTED


class DriftCalls:
    client: Any

    def detect_stack_drift(self, stack_name: str) -> str:
        """Start drift detection; returns its id. CloudFormation reads every resource with
        the caller's own permissions."""
        try:
            return self.client.detect_stack_drift(StackName=stack_name)["StackDriftDetectionId"]
        except Exception as exc:
            if error_code(exc) == "ValidationError" and "does not exist" in error_message(exc):
                from pipekit.aws.cloudformation import StackNotFound

                raise StackNotFound(f"stack {stack_name} does not exist", "ValidationError") from None
            raise

    def drift_detection(self, detection_id: str) -> DriftDetection:
        raw = self.client.describe_stack_drift_detection_status(StackDriftDetectionId=detection_id)
        return DriftDetection(
            detection_id=raw["StackDriftDetectionId"],
            stack_id=raw["StackId"],
            status=raw["DetectionStatus"],
            stack_drift_status=raw.get("StackDriftStatus", ""),
            reason=raw.get("DetectionStatusReason", ""),
            drifted_count=raw.get("DriftedStackResourceCount", 0),
        )

    def resource_drifts(self, stack_name: str) -> list[ResourceDrift]:
        """Every checked resource's drift from the last detection (all pages)."""
        found: list[ResourceDrift] = []
        kwargs: dict[str, Any] = {"StackName": stack_name}
        while True:
            page = self.client.describe_stack_resource_drifts(**kwargs)
            found += [_resource_drift(raw) for raw in page.get("StackResourceDrifts", [])]
            if not page.get("NextToken"):
                return found
            kwargs["NextToken"] = page["NextToken"]

    def create_revert_drift_change_set(self, stack_name: str, change_set_name: str, parameter_keys: list[str], capabilities: list[str]) -> str:
        """A drift-aware change set (DeploymentMode REVERT_DRIFT) over the stack's own
        template and parameter values: it puts drifted properties back to the template's."""
        require_revert_drift(self.client)
        return self.client.create_change_set(
            StackName=stack_name,
            ChangeSetName=change_set_name,
            ChangeSetType="UPDATE",
            UsePreviousTemplate=True,
            Parameters=[{"ParameterKey": key, "UsePreviousValue": True} for key in parameter_keys],
            Capabilities=capabilities,
            DeploymentMode="REVERT_DRIFT",
            IncludeNestedStacks=True,
            Description="created by pipekit drift --revert",
        )["Id"]


def require_revert_drift(client: Any) -> None:
    """Refuse clearly when the installed botocore's model has no DeploymentMode."""
    members = client.meta.service_model.operation_model("CreateChangeSet").input_shape.members
    if "DeploymentMode" not in members:
        import botocore

        raise DriftUnsupported(
            f"botocore {botocore.__version__} cannot create drift-aware change sets (CreateChangeSet has no DeploymentMode); "
            f"upgrade to botocore/boto3 {REVERT_DRIFT_BOTOCORE} or newer (pip install -U boto3)"
        )


def _resource_drift(raw: dict) -> ResourceDrift:
    return ResourceDrift(
        logical_id=raw["LogicalResourceId"],
        physical_id=raw.get("PhysicalResourceId", ""),
        resource_type=raw["ResourceType"],
        status=raw["StackResourceDriftStatus"],
        differences=tuple(
            PropertyDifference(d["PropertyPath"], d["ExpectedValue"], d["ActualValue"], d["DifferenceType"])
            for d in raw.get("PropertyDifferences", [])
        ),
        reason=raw.get("DriftStatusReason", ""),
        checked_at=raw.get("Timestamp"),
    )
