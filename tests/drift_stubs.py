"""Drift responses for botocore's Stubber (moto has no drift detection), shaped as the
CloudFormation API reference gives them: DetectStackDrift,
DescribeStackDriftDetectionStatus, DescribeStackResourceDrifts, and the Details of a
drift-aware change set (ResourceTargetDefinition.Drift, BeforeValueFrom,
AttributeChangeType)."""

from __future__ import annotations

from stubbed_aws import T0

DEV_STACK = "orders-svc-dev"
DEV_STACK_ID = "arn:aws:cloudformation:eu-west-1:222222222222:stack/orders-svc-dev/9a8b"
ROLES_STACK = "orders-deployment-roles"
ROLES_STACK_ID = "arn:aws:cloudformation:eu-west-1:222222222222:stack/orders-deployment-roles/1c2d"
TABLE = "orders-svc-dev-orders"


def detection(stack_id, detection_id, status="DETECTION_COMPLETE", drift="IN_SYNC", count=0, reason=""):
    raw = {"StackId": stack_id, "StackDriftDetectionId": detection_id, "DetectionStatus": status, "Timestamp": T0}
    if status != "DETECTION_IN_PROGRESS":
        raw["StackDriftStatus"] = drift
        raw["DriftedStackResourceCount"] = count
    if reason:
        raw["DetectionStatusReason"] = reason
    return raw


def resource_drift(stack_id, logical, kind, status="IN_SYNC", physical="", differences=()):
    raw = {"StackId": stack_id, "LogicalResourceId": logical, "ResourceType": kind, "StackResourceDriftStatus": status, "Timestamp": T0}
    if physical:
        raw["PhysicalResourceId"] = physical
    if differences:
        raw["PropertyDifferences"] = [
            {"PropertyPath": path, "ExpectedValue": expected, "ActualValue": actual, "DifferenceType": kind_}
            for path, expected, actual, kind_ in differences
        ]
    return raw


# A console hotfix: someone switched the orders table to provisioned capacity (and
# turned point-in-time recovery off), properties the example's template sets.
TABLE_DRIFT = resource_drift(
    DEV_STACK_ID, "Table", "AWS::DynamoDB::Table", "MODIFIED", TABLE,
    [("/BillingMode", "PAY_PER_REQUEST", "PROVISIONED", "NOT_EQUAL"),
     ("/PointInTimeRecoverySpecification/PointInTimeRecoveryEnabled", "true", "false", "NOT_EQUAL")],
)
FUNCTION_IN_SYNC = resource_drift(DEV_STACK_ID, "OrdersApiFunction", "AWS::Lambda::Function", "IN_SYNC", "orders-svc-dev-OrdersApi")
ROLE_IN_SYNC = resource_drift(ROLES_STACK_ID, "ExecutionRole", "AWS::IAM::Role", "IN_SYNC", "orders-execution")


def stub_detection(cf, stack, stack_id, drifts, detection_id, in_progress=0, drift="IN_SYNC", status="DETECTION_COMPLETE", reason=""):
    cf.add_response("detect_stack_drift", {"StackDriftDetectionId": detection_id}, {"StackName": stack})
    for _ in range(in_progress):
        cf.add_response("describe_stack_drift_detection_status", detection(stack_id, detection_id, "DETECTION_IN_PROGRESS"),
                        {"StackDriftDetectionId": detection_id})
    count = sum(1 for d in drifts if d["StackResourceDriftStatus"] in ("MODIFIED", "DELETED"))
    cf.add_response("describe_stack_drift_detection_status", detection(stack_id, detection_id, status, drift, count, reason),
                    {"StackDriftDetectionId": detection_id})
    cf.add_response("describe_stack_resource_drifts", {"StackResourceDrifts": list(drifts)}, {"StackName": stack})


def drift_target(name, before, after, actual=None, previous=None, change_type="Modify", recreation="Never"):
    """A property change of a drift-aware change set."""
    target = {"Attribute": "Properties", "Name": name, "Path": f"/Properties/{name}", "RequiresRecreation": recreation,
              "BeforeValue": before, "AfterValue": after, "BeforeValueFrom": "ACTUAL_STATE", "AfterValueFrom": "TEMPLATE",
              "AttributeChangeType": change_type}
    if actual is not None:
        target["Drift"] = {"ActualValue": actual, "PreviousValue": previous, "DriftDetectionTimestamp": T0}
    return {"Target": target, "Evaluation": "Static", "ChangeSource": "DirectModification"}
