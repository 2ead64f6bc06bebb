"""What AWS services deliver into pipekit's resources on their own behalf: S3 server
access logs of a bucket, written by the logging service into the log bucket."""

from __future__ import annotations

from typing import Iterator, Mapping

from pipekit.checks.permissions.asks import need
from pipekit.checks.permissions.intrinsics import Stack
from pipekit.checks.permissions.model import Need
from pipekit.checks.permissions.unknown import unknown

# S3 User Guide, "Permissions for log delivery": the bucket policy lets this service
# principal s3:PutObject under the target prefix, for the source bucket and account.
S3_LOG_DELIVERY = "logging.s3.amazonaws.com"


def access_log_needs(stack: Stack) -> Iterator[Need]:
    for logical_id, resource in stack.resources.items():
        if not isinstance(resource, Mapping) or resource.get("Type") != "AWS::S3::Bucket":
            continue
        props = stack.resolve(resource.get("Properties") or {})
        logging = props.get("LoggingConfiguration") or {}
        if not logging.get("DestinationBucketName"):
            continue
        source = f"arn:{stack.partition}:s3:::{props.get('BucketName')}"
        key = f"{logging.get('LogFilePrefix') or ''}{unknown(f'{logical_id} access log')}"
        target = f"arn:{stack.partition}:s3:::{logging['DestinationBucketName']}/{key}"
        yield need(S3_LOG_DELIVERY, "s3:PutObject", target, f"S3 delivers the access logs of {logical_id} in stack {stack.name}",
                   {"aws:sourcearn": source, "aws:sourceaccount": stack.account})
