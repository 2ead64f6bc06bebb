"""CloudFormation's limits on one template: its size in S3 and how many resources,
parameters and outputs it declares ("Understand CloudFormation quotas",
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html).
The numbers are cfn-lint's (cfnlint.helpers.LIMITS, kept in step with that page), not
typed here. The service template is counted after the SAM transform too: CloudFormation
counts the resources the transform makes (a function brings its role, version, alias,
permissions and deployment group), and those are what reach the limit.

Over 51,200 bytes is no finding: `pipekit deploy` sends such a template by URL."""

from __future__ import annotations

from typing import Any, Optional

from pipekit.checks.findings import Finding

SECTIONS = ("Resources", "Parameters", "Outputs")


def limit_findings(rel: str, text: str, template: dict, transformed: Optional[dict] = None) -> list[Finding]:
    from cfnlint.helpers import LIMITS

    findings = []
    size, most = len(text.encode("utf-8")), LIMITS["template"]["body"]
    if size > most:
        findings.append(_finding(rel, f"the template is {size:,} bytes; CloudFormation takes at most {most:,} bytes (from S3)"))
    for what, document in (("", template), (" after the SAM transform", transformed)):
        if document is None:
            continue
        for section in SECTIONS:
            count, most = _count(document, section), LIMITS[section]["number"]
            if count > most:
                findings.append(_finding(rel, f"{count} {section.lower()}{what}; CloudFormation allows at most {most} in one template"))
    return findings


def _count(document: dict, section: str) -> int:
    value: Any = document.get(section)
    return len(value) if isinstance(value, dict) else 0


def _finding(rel: str, message: str) -> Finding:
    return Finding("pipekit", rel, None, None, "limits", "error", message + " (split the service, or fewer environments per pipeline)")
