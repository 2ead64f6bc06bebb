"""Does a change widen access? Before/after policy documents of IAM principals, policies
and resource policies, compared statement by statement (policy_diff.py).

Pure. The documents come from the change set's BeforeContext/AfterContext (DescribeChangeSet
with IncludePropertyValues: the resource's properties as deployed and as they will be);
where a context is absent or cut short, from the stack's current template and the change
set's processed template (the SAM transform applied), whose unresolved intrinsics make the
answer possible rather than certain. Property names are checked against cfn-lint's
resource schemas by the tests."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional

from pipekit.aws.cloudformation import ResourceChange
from pipekit.release.policy_diff import DocumentDiff, StatementChange, compare

# Documents: type -> (property, kind). kind: "inline" a list of {PolicyName, PolicyDocument},
# "identity" or "resource" one document, "trust" a role's trust policy.
DOCUMENTS: dict[str, tuple[tuple[str, str], ...]] = {
    "AWS::IAM::Role": (("AssumeRolePolicyDocument", "trust"), ("Policies", "inline")),
    "AWS::IAM::User": (("Policies", "inline"),),
    "AWS::IAM::Group": (("Policies", "inline"),),
    "AWS::IAM::Policy": (("PolicyDocument", "identity"),),
    "AWS::IAM::ManagedPolicy": (("PolicyDocument", "identity"),),
    "AWS::IAM::RolePolicy": (("PolicyDocument", "identity"),),
    "AWS::IAM::UserPolicy": (("PolicyDocument", "identity"),),
    "AWS::IAM::GroupPolicy": (("PolicyDocument", "identity"),),
    "AWS::S3::BucketPolicy": (("PolicyDocument", "resource"),),
    "AWS::SQS::QueuePolicy": (("PolicyDocument", "resource"),),
    "AWS::SNS::TopicPolicy": (("PolicyDocument", "resource"),),
    "AWS::SNS::TopicInlinePolicy": (("PolicyDocument", "resource"),),
    "AWS::KMS::Key": (("KeyPolicy", "resource"),),
    "AWS::SecretsManager::ResourcePolicy": (("ResourcePolicy", "resource"),),
    "AWS::Logs::ResourcePolicy": (("PolicyDocument", "resource"),),
    "AWS::ECR::Repository": (("RepositoryPolicyText", "resource"),),
    "AWS::ApiGateway::RestApi": (("Policy", "resource"),),
}
# Lists whose new members widen access: policies attached, principals a policy is attached to.
ATTACHMENTS: dict[str, tuple[str, ...]] = {
    "AWS::IAM::Role": ("ManagedPolicyArns",),
    "AWS::IAM::User": ("ManagedPolicyArns", "Groups"),
    "AWS::IAM::Group": ("ManagedPolicyArns",),
    "AWS::IAM::Policy": ("Roles", "Users", "Groups"),
    "AWS::IAM::ManagedPolicy": ("Roles", "Users", "Groups"),
}
# A boundary removed or replaced lifts the cap on the principal's grants.
BOUNDARIES: dict[str, str] = {"AWS::IAM::Role": "PermissionsBoundary", "AWS::IAM::User": "PermissionsBoundary"}
# Lambda permissions are statements of the function's policy, written as properties.
LAMBDA_PERMISSION = "AWS::Lambda::Permission"
LAMBDA_PERMISSION_CONDITIONS = (("SourceArn", "ArnLike", "aws:SourceArn"), ("SourceAccount", "StringEquals", "aws:SourceAccount"),
                                ("PrincipalOrgID", "StringEquals", "aws:PrincipalOrgID"))
FUNCTION_URL = "AWS::Lambda::Url"
BUCKET = "AWS::S3::Bucket"
PUBLIC_ACCESS_BLOCK = ("PublicAccessBlockConfiguration", ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"))


@dataclass(frozen=True)
class DocumentChange:
    """One document (or attachment list) of a resource, and how it changes access."""

    document: str  # "PolicyDocument", "Policies/deploy", "AssumeRolePolicyDocument", "ManagedPolicyArns"...
    widened: tuple[StatementChange, ...] = ()
    narrowed: tuple[StatementChange, ...] = ()
    public: tuple[str, ...] = ()  # why it is open to anyone
    # The two policy documents compared (None for attachment lists and special properties):
    # what IAM Access Analyzer is asked about when the review runs with AWS access.
    before: Optional[Mapping[str, Any]] = field(default=None, compare=False)
    after: Optional[Mapping[str, Any]] = field(default=None, compare=False)
    identity: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"document": self.document, "widened": [c.to_json() for c in self.widened],
                "narrowed": [c.to_json() for c in self.narrowed], "public": list(self.public)}


@dataclass(frozen=True)
class AccessChange:
    source: str  # "change set" (resolved values) | "template" (intrinsics unresolved) | "unknown"
    documents: tuple[DocumentChange, ...]

    @property
    def widens(self) -> bool:
        return any(d.widened for d in self.documents)

    @property
    def public(self) -> tuple[str, ...]:
        return tuple(f"{d.document}: {why}" for d in self.documents for why in d.public)

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "widens": self.widens, "documents": [d.to_json() for d in self.documents]}


def governs_access(resource_type: str) -> bool:
    return resource_type in DOCUMENTS or resource_type in ATTACHMENTS or resource_type in (LAMBDA_PERMISSION, FUNCTION_URL, BUCKET)


def access_change(change: ResourceChange, templates: tuple[Optional[dict], Optional[dict]] = (None, None)) -> Optional[AccessChange]:
    """How the change moves access; None for a resource that grants none."""
    if not governs_access(change.resource_type):
        return None
    before, before_source = _properties(change, "before", templates[0])
    after, after_source = _properties(change, "after", templates[1])
    if before is _UNKNOWN or after is _UNKNOWN:
        return AccessChange("unknown", ())
    source = "template" if "template" in (before_source, after_source) else "change set"
    documents = tuple(d for d in _documents(change.resource_type, before, after) if d.widened or d.narrowed or d.public)
    return AccessChange(source, documents)


_UNKNOWN: dict = {"unknown": True}


def _properties(change: ResourceChange, side: str, template: Optional[dict]) -> tuple[Optional[Mapping[str, Any]], str]:
    """The resource's properties before or after the change, and where they came from."""
    if (side == "before" and change.action == "Add") or (side == "after" and change.action == "Remove"):
        return None, "change set"
    context = change.before_context if side == "before" else change.after_context
    if context:
        try:
            parsed = json.loads(context)
            return (parsed.get("Properties") or {}), "change set"
        except (ValueError, AttributeError):
            pass  # cut short: fall back to the template
    resource = ((template or {}).get("Resources") or {}).get(change.logical_id)
    if isinstance(resource, Mapping):
        return (resource.get("Properties") or {}), "template"
    return _UNKNOWN, "unknown"


def _documents(kind: str, before: Optional[Mapping], after: Optional[Mapping]) -> list[DocumentChange]:
    before, after = before or {}, after or {}
    out: list[DocumentChange] = []
    for prop, shape in DOCUMENTS.get(kind, ()):
        if shape == "inline":
            old, new = _inline(before.get(prop)), _inline(after.get(prop))
            for name in dict.fromkeys([*old, *new]):
                out.append(_diff(f"{prop}/{name}", old.get(name), new.get(name), identity=True))
        else:
            out.append(_diff(prop, _document(before.get(prop)), _document(after.get(prop)), identity=shape == "identity"))
    for prop in ATTACHMENTS.get(kind, ()):
        added = [v for v in _list(after.get(prop)) if v not in _list(before.get(prop))]
        removed = [v for v in _list(before.get(prop)) if v not in _list(after.get(prop))]
        out.append(DocumentChange(prop, tuple(StatementChange(_text(v), note="attached") for v in added),
                                  tuple(StatementChange(_text(v), note="detached") for v in removed)))
    if kind in BOUNDARIES:
        out.append(_boundary(BOUNDARIES[kind], before.get(BOUNDARIES[kind]), after.get(BOUNDARIES[kind])))
    out += [f(before, after) for k, f in SPECIAL.items() if k == kind]
    return out


def _diff(name: str, before: Optional[Mapping], after: Optional[Mapping], identity: bool) -> DocumentChange:
    diff: DocumentDiff = compare(before, after, identity)
    public = tuple(f"statement {sid} allows Principal * without a condition" for sid in diff.public)
    return DocumentChange(name, diff.widened, diff.narrowed, public, before, after, identity)


def _boundary(prop: str, before: Any, after: Any) -> DocumentChange:
    if _text(before) == _text(after):
        return DocumentChange(prop)
    if before and not after:
        return DocumentChange(prop, (StatementChange(_text(before), note="boundary removed: grants are no longer capped"),))
    if not before:
        return DocumentChange(prop, narrowed=(StatementChange(_text(after), note="boundary added"),))
    return DocumentChange(prop, (StatementChange(_text(after), note=f"boundary replaced (was {_text(before)}): compare the two"),))


def _lambda_permission(before: Mapping, after: Mapping) -> DocumentChange:
    return _diff("Permission", _permission_policy(before), _permission_policy(after), identity=False)


def _permission_policy(props: Mapping) -> Optional[dict]:
    """The statement a Lambda permission adds to its function's resource policy."""
    if not props:
        return None
    principal: Any = props.get("Principal")
    text = _text(principal)
    if text != "*":
        principal = {"Service": text} if text.endswith(".amazonaws.com") else {"AWS": text}
    condition: dict[str, dict[str, str]] = {}
    for prop, operator, key in LAMBDA_PERMISSION_CONDITIONS:
        if props.get(prop):
            condition.setdefault(operator, {})[key] = _text(props[prop])
    statement = {"Sid": "Permission", "Effect": "Allow", "Principal": principal, "Action": props.get("Action"),
                 "Resource": props.get("FunctionName")}
    if condition:
        statement["Condition"] = condition
    return {"Statement": [statement]}


def _function_url(before: Mapping, after: Mapping) -> DocumentChange:
    old, new = _text(before.get("AuthType")) if before else "", _text(after.get("AuthType")) if after else ""
    if new == "NONE" and old != "NONE":
        change = StatementChange("AuthType", note=f"AuthType {old or '(new URL)'} -> NONE: anyone with the URL can invoke")
        return DocumentChange("AuthType", (change,), public=("AuthType NONE: the function URL takes unauthenticated calls",))
    if old == "NONE" and new != "NONE":
        return DocumentChange("AuthType", narrowed=(StatementChange("AuthType", note=f"AuthType NONE -> {new or '(removed)'}"),))
    return DocumentChange("AuthType")


def _bucket(before: Mapping, after: Mapping) -> DocumentChange:
    prop, flags = PUBLIC_ACCESS_BLOCK
    old, new = before.get(prop) or {}, after.get(prop) or {}
    lifted = [f for f in flags if _on(old.get(f)) and not _on(new.get(f))] if before else []
    if not lifted:
        return DocumentChange(prop)
    note = f"{', '.join(lifted)} switched off"
    return DocumentChange(prop, (StatementChange(prop, note=note),), public=(f"{note}: a public policy or ACL is no longer blocked",))


SPECIAL: dict[str, Callable[[Mapping, Mapping], DocumentChange]] = {
    LAMBDA_PERMISSION: _lambda_permission, FUNCTION_URL: _function_url, BUCKET: _bucket,
}


def _inline(value: Any) -> dict[str, Optional[Mapping]]:
    out: dict[str, Optional[Mapping]] = {}
    for index, entry in enumerate(_list(value)):
        if isinstance(entry, Mapping):
            out[_text(entry.get("PolicyName") or f"policy {index + 1}")] = _document(entry.get("PolicyDocument"))
    return out


def _document(value: Any) -> Optional[Mapping]:
    if isinstance(value, str):  # some properties take the policy as a JSON string
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, Mapping) else None


def _list(value: Any) -> list:
    return value if isinstance(value, list) else ([] if value is None else [value])


def _on(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)
