"""Templates too large to pass inline go to the artifact bucket and are deployed by URL.

CloudFormation takes at most 51,200 bytes in TemplateBody ("Template body size in a
request" in "Understand CloudFormation quotas",
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html,
and TemplateBody's documentation in botocore's CreateChangeSet model).
A template in S3 may be larger (`pipekit validate` reports one past that limit). The
upload is planned like the review function's code: under its SHA-256, before the stack's
change set, and shown by --dry-run."""

from __future__ import annotations

from typing import TYPE_CHECKING
import hashlib
from dataclasses import replace

from pipekit.aws.cloudformation import MAX_TEMPLATE_BODY
from pipekit.config.constants import BUILD_ACCOUNT
from pipekit.config.regions import dns_suffix
from pipekit.errors import UsageError
from pipekit.project import names
from pipekit.release.stack_plan import CodeUpload, StackPlan

if TYPE_CHECKING:
    from pipekit.config.models import Config


def by_url_when_large(cfg: Config, plan: StackPlan) -> StackPlan:
    """The plan as it is, or (for a template over the inline limit) with the template's
    upload to the artifact bucket first and its URL to deploy from."""
    body = plan.template.read_bytes()
    limit = MAX_TEMPLATE_BODY
    if len(body) <= limit:
        return plan
    if plan.account != BUILD_ACCOUNT:
        raise UsageError(
            f"{plan.template}: {len(body)} bytes, over CloudFormation's {limit}-byte limit for a template passed inline; "
            f"pipekit deploys large templates from the artifact bucket, which only the {BUILD_ACCOUNT} account's stacks read from"
        )
    sha256 = hashlib.sha256(body).hexdigest()
    bucket = names.artifact_bucket(cfg)
    upload = CodeUpload(bucket, f"templates/{plan.stack_name}/{sha256}.yaml", sha256, body, f"the template ({limit}-byte inline limit),")
    url = f"https://{bucket}.s3.{cfg.region}.{dns_suffix(cfg.region)}/{upload.key}"
    return replace(plan, uploads=plan.uploads + (upload,), template_url=url, reason=f"{plan.reason}; then: {upload.describe()}")
