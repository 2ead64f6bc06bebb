"""What the review role needs to detect drift on the service stack. CloudFormation reads
every resource with the CALLER's permissions (User Guide, drift detection,
"Considerations"): the read handler's permissions of each resource type the stack holds
after the SAM transform (cfn-lint's resource schemas), less those that depend on a
property the resource does not set. Computed once per service template: the transform
and the schemas are heavy."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

# The drift calls themselves (User Guide, drift detection, "Considerations"; the API
# reference for the status and results), and which of them take only "*".
DETECT_CALLS = ("cloudformation:DetectStackDrift", "cloudformation:DetectStackResourceDrift", "cloudformation:DescribeStackResourceDrifts")
STATUS_CALLS = ("cloudformation:DescribeStackDriftDetectionStatus", "cloudformation:BatchDescribeTypeConfigurations")


@dataclass(frozen=True)
class DriftReads:
    by_service: tuple[tuple[str, tuple[str, ...]], ...]  # IAM service prefix -> read actions that take a resource
    star: tuple[str, ...]  # read actions that take only "*"
    kms: tuple[str, ...]  # KMS actions a service makes for its caller, on the service key only
    via: tuple[str, ...]  # kms:ViaService values those KMS calls carry

    @property
    def actions(self) -> tuple[str, ...]:
        return tuple(a for _, actions in self.by_service for a in actions) + self.star + self.kms


@lru_cache(maxsize=16)
def drift_reads(service_template: str, region: str) -> DriftReads:
    from pipekit.checks.permissions import resources
    from pipekit.checks.permissions.required import read_asks, via_service
    from pipekit.checks.tools import transform
    from pipekit.project import cfn_yaml

    try:
        template = transform(cfn_yaml.loads(service_template), region, lambda _, path: f"s3://pipekit-render/{path}.zip")
    except Exception:  # noqa: BLE001 - validate reports a failing transform; render still writes the files
        return DriftReads((), (), (), ())
    by_service: dict[str, set[str]] = {}
    star: set[str] = set()
    kms: set[str] = set()
    via: set[str] = set()
    for resource in (template.get("Resources") or {}).values():
        kind = str(resource.get("Type"))
        for item in read_asks(region, kind, resource):
            types = resources.resource_types(item.action)
            if types is None:
                continue  # not an IAM action
            if item.action.lower().startswith("kms:"):
                kms.add(item.action)
                via.add(via_service(kind, region))
            elif not types:
                star.add(item.action)
            else:
                by_service.setdefault(item.action.split(":")[0], set()).add(item.action)
    return DriftReads(
        tuple((service, tuple(sorted(actions, key=str.lower))) for service, actions in sorted(by_service.items())),
        tuple(sorted(star, key=str.lower)), tuple(sorted(kms)), tuple(sorted(via)),
    )
