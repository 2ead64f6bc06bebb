"""Every principal and policy in the resolved templates, found by ARN: roles with
their trust, inline, managed and boundary policies; KMS key, bucket and topic
policies; and where each is declared (file, logical id), for findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from pipekit.checks.permissions.arns import facts
from pipekit.checks.permissions.evaluate import Policy
from pipekit.checks.permissions.intrinsics import Stack
from pipekit.checks.permissions.service_data import AWS_MANAGED_POLICIES
from pipekit.checks.permissions.unknown import has_unknown


@dataclass(frozen=True)
class Where:
    file: str
    logical_id: str


@dataclass
class Role:
    arn: str
    account: str
    where: Where
    trust: Optional[Policy]
    inline: list[Policy] = field(default_factory=list)
    managed: list[str] = field(default_factory=list)  # policy ARNs
    boundary: Optional[str] = None  # policy ARN


@dataclass
class Registry:
    roles: dict[str, Role] = field(default_factory=dict)
    managed: dict[str, tuple[Policy, Where]] = field(default_factory=dict)
    # resource ARN (key, topic) or bucket name -> (policy, where, owning account)
    resource_policies: dict[str, tuple[Policy, Where, str]] = field(default_factory=dict)
    stacks: list[tuple[str, Stack]] = field(default_factory=list)  # (file, stack)

    def add(self, file: str, stack: Stack) -> None:
        self.stacks.append((file, stack))
        for logical_id, resource in stack.resources.items():
            if not isinstance(resource, Mapping) or stack.exists(logical_id) is False:
                continue
            kind = resource.get("Type")
            props = stack.resolve(resource.get("Properties") or {})
            where = Where(file, logical_id)
            if kind == "AWS::IAM::Role":
                self._role(stack, logical_id, props, where)
            elif kind == "AWS::IAM::ManagedPolicy":
                arn = facts(stack, logical_id).ref
                self.managed[arn] = (Policy(arn.rsplit("/", 1)[-1], props.get("PolicyDocument") or {}), where)
                for role_name in props.get("Roles") or []:
                    self._attach_later(stack, role_name, arn)
            elif kind == "AWS::IAM::Policy":
                for role_name in props.get("Roles") or []:
                    self._attach_later(stack, role_name, None, Policy(f"{logical_id} {props.get('PolicyName')}", props.get("PolicyDocument") or {}))
            elif kind == "AWS::KMS::Key":
                arn = facts(stack, logical_id).attrs["Arn"]
                self.resource_policies[arn] = (Policy(f"key policy of {logical_id}", props.get("KeyPolicy") or {}), where, stack.account)
            elif kind == "AWS::S3::BucketPolicy":
                self.resource_policies[str(props.get("Bucket"))] = (Policy(f"bucket policy {logical_id}", props.get("PolicyDocument") or {}), where, stack.account)
            elif kind == "AWS::SNS::TopicPolicy":
                for topic in props.get("Topics") or []:
                    self.resource_policies[str(topic)] = (Policy(f"topic policy {logical_id}", props.get("PolicyDocument") or {}), where, stack.account)
        for role_name, managed_arn, inline in self.__dict__.pop("_pending", []):
            role = self.role_named(stack.account, role_name)
            if role is not None:
                if managed_arn:
                    role.managed.append(managed_arn)
                if inline:
                    role.inline.append(inline)

    def _attach_later(self, stack: Stack, role_name: Any, managed_arn: Optional[str], inline: Optional[Policy] = None) -> None:
        self.__dict__.setdefault("_pending", []).append((str(role_name), managed_arn, inline))

    def _role(self, stack: Stack, logical_id: str, props: Mapping[str, Any], where: Where) -> None:
        arn = facts(stack, logical_id).attrs["Arn"]
        trust = Policy(f"trust policy of {logical_id}", props.get("AssumeRolePolicyDocument") or {})
        inline = [Policy(f"{logical_id} inline {p.get('PolicyName')}", p.get("PolicyDocument") or {}) for p in props.get("Policies") or []]
        managed = [str(m) for m in props.get("ManagedPolicyArns") or []]
        boundary = props.get("PermissionsBoundary")
        self.roles[arn] = Role(arn, stack.account, where, trust, inline, managed, str(boundary) if boundary else None)

    def role_named(self, account: str, name: str) -> Optional[Role]:
        for role in self.roles.values():
            if role.account == account and (role.arn == name or role.arn.rsplit("/", 1)[-1] == name):
                return role
        return None

    # What the evaluator needs for a role
    def identity(self, role: Role) -> list[Policy]:
        return list(role.inline) + [self.managed_policy(arn) for arn in role.managed]

    def boundary(self, role: Role) -> Optional[list[Policy]]:
        return None if role.boundary is None else [self.managed_policy(role.boundary)]

    def managed_policy(self, arn: str) -> Policy:
        if arn in self.managed:
            return self.managed[arn][0]
        _, _, path = arn.partition(":policy/")
        if ":iam::aws:policy/" in arn and path in AWS_MANAGED_POLICIES:
            return Policy(path.rsplit("/", 1)[-1], AWS_MANAGED_POLICIES[path])
        return undecidable_policy(f"policy {arn} (its text is not in the templates)")

    def where_managed(self, arn: str) -> Optional[Where]:
        return self.managed[arn][1] if arn in self.managed else None


def undecidable_policy(name: str) -> Policy:
    """A policy whose text is unknown: every statement "may apply", so nothing that
    depends on it is proven either way."""
    return Policy(name, {"Statement": [
        {"Sid": "Unknown", "Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"Null": {"pipekit:unknown-policy": "false"}}},
        {"Sid": "Unknown", "Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"Null": {"pipekit:unknown-policy": "false"}}},
    ]})


def bucket_of(resource: str) -> Optional[str]:
    if resource.startswith("arn:") and ":s3:::" in resource:
        return resource.split(":s3:::", 1)[1].split("/", 1)[0]
    return None


def is_concrete(value: str) -> bool:
    return not has_unknown(value)
