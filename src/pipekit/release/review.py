"""Change-set review: what each change risks, and a verdict for the whole set.

Pure functions over plain data (pipekit.aws.cloudformation.ChangeSet and the resource
policies of the stack's templates); no AWS calls here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from pipekit.aws.cloudformation import ChangeSet, ResourceChange
from pipekit.recovery.drift import DriftedResource, StackDrift, drifted_resources
from pipekit.release.access import AccessChange, access_change
from pipekit.release.sam_groups import SamTemplate

DATA_LOSS = "data-loss"
PUBLIC_ACCESS = "public-access"
OUTAGE = "outage"
PERMISSION_BROADENING = "permission-broadening"
PERMISSION = "permission"
OVERWRITES_DRIFT = "overwrites-drift"  # a change resets a property changed outside CloudFormation
RISKS = (DATA_LOSS, PUBLIC_ACCESS, OUTAGE, PERMISSION_BROADENING, PERMISSION, OVERWRITES_DRIFT)  # most serious first
FAIL_ON = ("none", "any", *reversed(RISKS))  # review.fail_on and --fail-on, mildest gate first

# Resources whose removal or replacement loses data (or, for keys, the ability to read it).
DATA_BEARING = {
    "AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable", "AWS::S3::Bucket", "AWS::RDS::DBInstance", "AWS::RDS::DBCluster",
    "AWS::EFS::FileSystem", "AWS::KMS::Key", "AWS::Cognito::UserPool", "AWS::Logs::LogGroup", "AWS::SQS::Queue",
    "AWS::Kinesis::Stream", "AWS::ElastiCache::ReplicationGroup", "AWS::ElastiCache::CacheCluster", "AWS::DocDB::DBCluster",
    "AWS::Neptune::DBCluster", "AWS::OpenSearchService::Domain", "AWS::Elasticsearch::Domain", "AWS::Backup::BackupVault",
    "AWS::SecretsManager::Secret", "AWS::Timestream::Table", "AWS::MemoryDB::Cluster", "AWS::Redshift::Cluster",
}

# Resources a client reaches by name, address or ARN: replacing or removing them breaks callers.
CLIENT_REACHABLE = {
    "AWS::ApiGateway::RestApi", "AWS::ApiGateway::Stage", "AWS::ApiGateway::DomainName", "AWS::ApiGateway::BasePathMapping",
    "AWS::ApiGatewayV2::Api", "AWS::ApiGatewayV2::Stage", "AWS::ApiGatewayV2::DomainName", "AWS::ApiGatewayV2::ApiMapping",
    "AWS::Lambda::Function", "AWS::Lambda::Alias", "AWS::Lambda::Url", "AWS::CloudFront::Distribution",
    "AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancingV2::Listener", "AWS::Route53::RecordSet",
    "AWS::AppSync::GraphQLApi", "AWS::SNS::Topic", "AWS::Events::EventBus", "AWS::StepFunctions::StateMachine",
    "AWS::Cognito::UserPoolClient", "AWS::ECS::Service",
}

# Resources that grant or limit access.
PERMISSION_TYPES = {
    "AWS::Lambda::Permission", "AWS::S3::BucketPolicy", "AWS::SQS::QueuePolicy", "AWS::SNS::TopicPolicy",
    "AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress",
    "AWS::ApiGateway::Authorizer", "AWS::ApiGatewayV2::Authorizer", "AWS::Events::EventBusPolicy",
    "AWS::Logs::ResourcePolicy", "AWS::SecretsManager::ResourcePolicy", "AWS::KMS::Grant",
}
POLICY_PROPERTIES = {"KeyPolicy", "PolicyDocument", "Policies", "AssumeRolePolicyDocument", "ManagedPolicyArns", "PermissionsBoundary"}
KEEPING_POLICIES = {"Retain", "RetainExceptOnCreate", "Snapshot"}
PAST_TENSE = {"Add": "added", "Modify": "modified", "Remove": "removed", "Import": "imported"}


@dataclass(frozen=True)
class Risk:
    kind: str  # one of RISKS
    certain: bool
    why: str


@dataclass(frozen=True)
class ReviewedChange:
    change: ResourceChange
    risks: tuple[Risk, ...]
    nested: Optional["Review"] = None
    access: Optional[AccessChange] = None  # for resources that grant access: what widens or narrows

    @property
    def level(self) -> str:
        return next((kind for kind in RISKS if any(r.kind == kind for r in self.risks)), "none")


@dataclass(frozen=True)
class Review:
    change_set: ChangeSet
    changes: tuple[ReviewedChange, ...]
    sam: Optional[SamTemplate] = None  # the SAM resources of the original templates: groups what they generated
    drift: str = ""  # what drift detection found on the stack ("" = not checked)

    def all_changes(self) -> list[ReviewedChange]:
        """This set's changes and those of nested stacks, depth first."""
        out: list[ReviewedChange] = []
        for change in self.changes:
            out.append(change)
            if change.nested:
                out += change.nested.all_changes()
        return out

    def counts(self) -> dict[str, int]:
        return {kind: sum(1 for c in self.all_changes() if any(r.kind == kind for r in c.risks)) for kind in RISKS}

    @property
    def level(self) -> str:
        counts = self.counts()
        return next((kind for kind in RISKS if counts[kind]), "none")

    def verdict(self) -> str:
        """The line that comes first: counts per risk."""
        counts = self.counts()
        total = len(self.all_changes())
        if not any(counts.values()):
            return f"no risk found in {total} changes"
        parts = [f"{counts[k]} {k}" for k in RISKS if counts[k]]
        return f"{', '.join(parts)} in {total} changes"

    def trips(self, fail_on: str) -> bool:
        """Whether a --fail-on gate trips: any, or the named risk (or a worse one)."""
        if fail_on == "none":
            return False
        counts = self.counts()
        if fail_on == "any":
            return any(counts.values())
        return any(counts[k] for k in RISKS[: RISKS.index(fail_on) + 1])


def replacement(change: ResourceChange) -> tuple[bool, bool]:
    """(replaced at all, replaced for certain). Conditional replacements, and those that
    hinge on a value known only after apply (Dynamic evaluation), are possible only."""
    if change.action == "Modify" and change.replacement in ("True", "Conditional"):
        if change.replacement == "Conditional":
            return True, False
        causes = [d for d in change.details if (d.get("Target") or {}).get("RequiresRecreation") in ("Always", "Conditionally")]
        certain = not causes or any(
            (d.get("Target") or {}).get("RequiresRecreation") == "Always" and d.get("Evaluation", "Static") == "Static" for d in causes
        )
        return True, certain
    return False, False


def assess(change: ResourceChange, policies: dict[str, dict[str, str]]) -> tuple[Risk, ...]:
    """The risks of one change. `policies` maps logical ids to their DeletionPolicy and
    UpdateReplacePolicy in the templates (used when the change set does not say)."""
    risks: list[Risk] = []
    kind = change.resource_type
    replaced, certain = replacement(change)
    removed = change.action == "Remove"
    policy = policies.get(change.logical_id, {})
    if kind in DATA_BEARING and (removed or replaced):
        kept = _kept(change, policy, removed)
        if not kept:
            what = "removed" if removed else ("replaced" if certain else "possibly replaced")
            risks.append(Risk(DATA_LOSS, removed or certain, f"{kind} {what}; its data goes with it"))
    elif (removed or replaced) and kind in CLIENT_REACHABLE:
        what = "removed" if removed else ("replaced" if certain else "possibly replaced")
        risks.append(Risk(OUTAGE, removed or certain, f"{kind} {what}; clients of the old one break"))
    if kind.startswith("AWS::IAM::") or kind in PERMISSION_TYPES:
        risks.append(Risk(PERMISSION, True, f"{kind} {PAST_TENSE.get(change.action, 'changed')}"))
    elif change.action == "Modify" and any((d.get("Target") or {}).get("Name") in POLICY_PROPERTIES for d in change.details):
        risks.append(Risk(PERMISSION, True, f"{kind}: its policy changes"))
    return tuple(risks)


def overwrites_drift(change: ResourceChange, drifted: Optional[DriftedResource]) -> tuple[Risk, ...]:
    """A change that puts a drifted property back to the template's value: one the change
    set sets (certain), or the resource replaced from its template (certain, or possible
    for a conditional replacement). A drift-aware change set says so itself (Target.Drift)."""
    live = [d for d in change.details if (d.get("Target") or {}).get("Drift") and (d.get("Target") or {}).get("AttributeChangeType") != "SyncWithActual"]
    if live:
        names = ", ".join(str(d["Target"].get("Name") or d["Target"].get("Path")) for d in live)
        return (Risk(OVERWRITES_DRIFT, True, f"resets {names}, changed outside CloudFormation, to the template's value"),)
    if drifted is None or change.action != "Modify":
        return ()
    replaced, certain = replacement(change)
    if replaced:
        what = "replaced" if certain else "possibly replaced"
        return (Risk(OVERWRITES_DRIFT, certain, f"{what} from its template, dropping what drifted: {_drift_text(drifted)}"),)
    touched = sorted({(d.get("Target") or {}).get("Name") for d in change.details} & drifted.properties)
    if touched:
        return (Risk(OVERWRITES_DRIFT, True, f"sets {', '.join(touched)}, which drifted: {_drift_text(drifted, touched)}"),)
    return ()


def _drift_text(drifted: DriftedResource, only: Optional[list[str]] = None) -> str:
    diffs = [d for d in drifted.drift.differences if only is None or any(d in drifted.differences_of(n) for n in only)]
    return "; ".join(f"{d.path} live {d.actual}, template {d.expected}" for d in diffs) or drifted.drift.status.lower()


def drift_summary(drift: StackDrift) -> str:
    """One line on the stack's drift, as the review saw it."""
    if not drift.deployed:
        return "drift: not checked (the stack is not deployed)"
    found = drift.drifted
    line = f"drift: {len(found)} of {len(drift.resources)} resources drifted" + (f" ({', '.join(r.logical_id for r in found)})" if found else "")
    return line + (f"; incomplete: {drift.incomplete}" if drift.incomplete else "")


def _kept(change: ResourceChange, policy: dict[str, str], removed: bool) -> bool:
    """Whether CloudFormation keeps the old resource (DeletionPolicy / UpdateReplacePolicy)."""
    if change.policy_action:
        return change.policy_action in ("Retain", "Snapshot", "ReplaceAndRetain", "ReplaceAndSnapshot")
    key = "DeletionPolicy" if removed else "UpdateReplacePolicy"
    return policy.get(key) in KEEPING_POLICIES


def access_risks(access: Optional[AccessChange]) -> tuple[Risk, ...]:
    """permission-broadening when a document grants more than before, public-access when it
    opens to anyone; narrowing carries no risk (it shows in the access diff)."""
    if access is None:
        return ()
    certain = access.source == "change set"
    risks = [Risk(PUBLIC_ACCESS, certain, why) for why in access.public]
    widened = [f"{d.document} {c.describe()}" for d in access.documents for c in d.widened]
    if widened:
        risks.append(Risk(PERMISSION_BROADENING, certain, "access widens: " + " | ".join(widened)))
    if access.source == "unknown":
        risks.append(Risk(PERMISSION_BROADENING, False, "the documents before and after could not be read; compare them by hand"))
    return tuple(risks)


def review(
    change_set: ChangeSet,
    policies: dict[str, dict[str, str]],
    nested: Optional[dict[str, "Review"]] = None,
    templates: tuple[Optional[dict], Optional[dict]] = (None, None),
    sam: Optional[SamTemplate] = None,
    drift: Optional[StackDrift] = None,
) -> Review:
    """Assess every change; `nested` holds the reviews of nested stacks' change sets by
    logical id; `templates` (current, proposed) stand in where the change set lacks values;
    `drift`, the stack's detected drift, adds overwrites-drift risks."""
    nested = nested or {}
    drifted = drifted_resources(drift) if drift else {}
    changes = []
    for c in change_set.changes:
        access = access_change(c, templates)
        risks = assess(c, policies) + access_risks(access) + overwrites_drift(c, drifted.get(c.logical_id))
        changes.append(ReviewedChange(c, risks, nested.get(c.logical_id), access))
    return Review(change_set, tuple(changes), sam, drift_summary(drift) if drift else "")


def template_policies(*templates: Optional[dict]) -> dict[str, dict[str, str]]:
    """DeletionPolicy and UpdateReplacePolicy per logical id; later templates win."""
    policies: dict[str, dict[str, str]] = {}
    for template in templates:
        for logical_id, resource in ((template or {}).get("Resources") or {}).items():
            if isinstance(resource, dict):
                entry = policies.setdefault(logical_id, {})
                for key in ("DeletionPolicy", "UpdateReplacePolicy"):
                    if isinstance(resource.get(key), str):
                        entry[key] = resource[key]
    return policies
