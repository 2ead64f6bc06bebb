"""IAM Access Analyzer's second opinion on the documents a change set changes: its
custom policy checks CheckNoNewAccess (does the new document grant anything the old one
did not) and CheckNoPublicAccess (for resource types it knows). They read only the
documents sent, no access to the target account is needed; the review function runs
them in the build account. Documents compared from the templates (unresolved
intrinsics) are not sent: Access Analyzer would judge text that is not the policy."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterator

from pipekit.aws.accessanalyzer import AccessAnalyzer
from pipekit.aws.errors import error_code
from pipekit.release.review import Review

# CloudFormation type (and document) -> Access Analyzer's AccessCheckResourceType
# (botocore's accessanalyzer model enumerates those; tests check every value is in it).
PUBLIC_CHECK_TYPES = {
    ("AWS::S3::BucketPolicy", "PolicyDocument"): "AWS::S3::Bucket",
    ("AWS::SQS::QueuePolicy", "PolicyDocument"): "AWS::SQS::Queue",
    ("AWS::SNS::TopicPolicy", "PolicyDocument"): "AWS::SNS::Topic",
    ("AWS::SNS::TopicInlinePolicy", "PolicyDocument"): "AWS::SNS::Topic",
    ("AWS::KMS::Key", "KeyPolicy"): "AWS::KMS::Key",
    ("AWS::SecretsManager::ResourcePolicy", "ResourcePolicy"): "AWS::SecretsManager::Secret",
    ("AWS::ApiGateway::RestApi", "Policy"): "AWS::ApiGateway::RestApi",
    ("AWS::IAM::Role", "AssumeRolePolicyDocument"): "AWS::IAM::AssumeRolePolicyDocument",
}


@dataclass(frozen=True)
class Check:
    logical_id: str
    document: str
    check: str  # CheckNoNewAccess | CheckNoPublicAccess
    result: str  # PASS | FAIL | ERROR
    message: str

    def describe(self) -> str:
        return f"{self.check} {self.result} `{self.logical_id}` {self.document}: {self.message}"


def checks(analyzer: AccessAnalyzer, review: Review) -> Iterator[Check]:
    """Ask Access Analyzer about every changed document resolved from the change set."""
    for change in review.all_changes():
        access = change.access
        if access is None or access.source != "change set":
            continue
        kind = change.change.resource_type
        for document in access.documents:
            if document.after is None:
                continue
            after = json.dumps(document.after)
            if document.before is not None:
                yield _ask(change.change.logical_id, document.document, "CheckNoNewAccess", lambda: analyzer.check_no_new_access(
                    after, json.dumps(document.before), document.identity))
            public_type = PUBLIC_CHECK_TYPES.get((kind, document.document))
            if public_type:
                yield _ask(change.change.logical_id, document.document, "CheckNoPublicAccess",
                           lambda: analyzer.check_no_public_access(after, public_type))


def _ask(logical_id: str, document: str, check: str, call: Any) -> Check:
    try:
        result, message = call()
    except Exception as exc:  # noqa: BLE001 - a check that cannot run is reported, never fatal
        return Check(logical_id, document, check, "ERROR", f"{error_code(exc) or type(exc).__name__}: {exc}")
    return Check(logical_id, document, check, result, message)


def markdown(found: list[Check]) -> str:
    if not found:
        return ""
    lines = ["", "## IAM Access Analyzer", ""]
    lines += [f"- **{c.result}** {c.describe()}" for c in found]
    return "\n".join(lines) + "\n"
