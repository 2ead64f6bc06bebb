"""IAM Access Analyzer's custom policy checks: a verdict on policy documents sent to it."""

from __future__ import annotations

from typing import Any


class AccessAnalyzer:
    def __init__(self, client: Any) -> None:
        self.client = client

    def check_no_new_access(self, new_document: str, existing_document: str, identity: bool) -> tuple[str, str]:
        """(PASS | FAIL, why): does `new_document` grant anything `existing_document` did not."""
        return _verdict(self.client.check_no_new_access(
            newPolicyDocument=new_document, existingPolicyDocument=existing_document,
            policyType="IDENTITY_POLICY" if identity else "RESOURCE_POLICY"))

    def check_no_public_access(self, document: str, resource_type: str) -> tuple[str, str]:
        """(PASS | FAIL, why): does `document` make a resource of `resource_type` public."""
        return _verdict(self.client.check_no_public_access(policyDocument=document, resourceType=resource_type))


def _verdict(answer: dict) -> tuple[str, str]:
    reasons = "; ".join(r.get("description", "") for r in answer.get("reasons") or [] if r.get("description"))
    return answer.get("result", ""), reasons or answer.get("message", "")
