"""Reading CloudFormation YAML without cfn-lint: short-form tags (!Ref, !Sub, ...) become
their long form ({"Ref": ...}, {"Fn::Sub": ...}). Enough to find parameters, resource
types and transforms quickly."""

from __future__ import annotations

from typing import Any

import yaml

_SHORT = ("Base64", "Cidr", "FindInMap", "GetAZs", "If", "ImportValue", "Join", "Select", "Split", "Sub", "Transform",
          "And", "Equals", "Not", "Or", "Condition", "GetAtt", "Ref", "ToJsonString", "Length")


class _Loader(yaml.SafeLoader):
    pass


def _construct(tag: str):
    key = tag if tag in ("Ref", "Condition") else f"Fn::{tag}"

    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if tag == "GetAtt" and isinstance(value, str):
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {key: value}

    return construct


for _tag in _SHORT:
    _Loader.add_constructor(f"!{_tag}", _construct(_tag))


def loads(text: str) -> dict[str, Any]:
    data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    if not isinstance(data, dict):
        raise ValueError("not a CloudFormation template (expected a mapping at the top level)")
    return data


def capabilities(template: dict[str, Any]) -> list[str]:
    """The capabilities CloudFormation will demand for this template."""
    needed: set[str] = set()
    transform = template.get("Transform")
    if transform:
        needed.add("CAPABILITY_AUTO_EXPAND")
    iam_named = {"AWS::IAM::Role": "RoleName", "AWS::IAM::ManagedPolicy": "ManagedPolicyName", "AWS::IAM::User": "UserName",
                 "AWS::IAM::Group": "GroupName", "AWS::IAM::InstanceProfile": "InstanceProfileName"}
    for resource in (template.get("Resources") or {}).values():
        kind = resource.get("Type", "") if isinstance(resource, dict) else ""
        if kind.startswith("AWS::IAM::"):
            named = iam_named.get(kind)
            needed.add("CAPABILITY_NAMED_IAM" if named and named in (resource.get("Properties") or {}) else "CAPABILITY_IAM")
        if kind == "AWS::Serverless::Function" or kind.startswith("AWS::Serverless::"):
            needed.add("CAPABILITY_IAM")  # SAM makes roles for its functions
        if kind in ("AWS::CloudFormation::Stack", "AWS::Serverless::Application"):
            needed.add("CAPABILITY_AUTO_EXPAND")
    if "CAPABILITY_NAMED_IAM" in needed:
        needed.add("CAPABILITY_IAM")
    return sorted(needed)


def local_code_paths(template: dict[str, Any]) -> list[str]:
    """Local CodeUri/ContentUri paths: the template must be packaged before deploying."""
    paths = []
    for resource in (template.get("Resources") or {}).values():
        props = resource.get("Properties") or {} if isinstance(resource, dict) else {}
        for key in ("CodeUri", "ContentUri"):
            value = props.get(key)
            if isinstance(value, str) and not value.startswith("s3://"):
                paths.append(value)
    return paths


def alarm_names(template: dict[str, Any]) -> dict[str, str]:
    """AWS::CloudWatch::Alarm logical id -> its AlarmName, with ${AWS::StackName} left in
    (the same template is deployed as one stack per environment)."""
    found = {}
    for logical_id, resource in (template.get("Resources") or {}).items():
        if not isinstance(resource, dict) or resource.get("Type") != "AWS::CloudWatch::Alarm":
            continue
        name = (resource.get("Properties") or {}).get("AlarmName")
        if isinstance(name, dict):
            name = name.get("Fn::Sub")
        if isinstance(name, str):
            found[logical_id] = name
    return found
