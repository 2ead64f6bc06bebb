"""moto in server mode with several accounts reached through assume-role profiles,
exactly as pipekit reaches real accounts. Used by the deploy tests."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest

BASE_ACCOUNT = "123456789012"  # moto's default; the profiles assume roles out of it


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def patch_moto_cloudformation(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto leaves stacks made by change sets without Outputs and exports, and lets them
    import no other stack's exports; real CloudFormation does all three. Wire them up
    around each execution, here in the fixture, so that the product sees what it would
    see in AWS."""
    from moto.cloudformation.models import CloudFormationBackend

    original = CloudFormationBackend.execute_change_set

    def execute_change_set(self, change_set_name, stack_name=None):
        for stack in self.stacks.values():
            stack.cross_stack_resources = self.exports
            stack.resource_map.cross_stack_resources = self.exports
        original(self, change_set_name, stack_name)
        for stack in self.stacks.values():
            if stack.status in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
                stack._parse_template()
                stack.output_map = stack._create_output_map()
                for export in stack.exports:
                    self.exports[export.name] = export

    monkeypatch.setattr(CloudFormationBackend, "execute_change_set", execute_change_set)

    # A CREATE change set on a stack left in REVIEW_IN_PROGRESS reuses that stack in
    # CloudFormation; moto makes a second stack of the same name. Drop the empty one.
    original_create = CloudFormationBackend.create_change_set

    def create_change_set(self, stack_name, *args, **kwargs):
        for stack_id, stack in list(self.stacks.items()):
            if stack.name == stack_name and stack.status == "REVIEW_IN_PROGRESS":
                del self.stacks[stack_id]
        return original_create(self, stack_name, *args, **kwargs)

    monkeypatch.setattr(CloudFormationBackend, "create_change_set", create_change_set)

    # moto refuses an unchanged CreateChangeSet that has parameters with an error;
    # CloudFormation creates a FAILED change set that "didn't contain changes", which
    # moto's backend does too once the early refusal is out of the way.
    from moto.cloudformation.responses import CloudFormationResponse

    monkeypatch.setattr(CloudFormationResponse, "_validate_different_update", lambda self, *args: None)


@dataclass
class MotoAws:
    endpoint: str
    config_file: Path

    def session(self, account_id: str, region: str = "eu-west-1") -> boto3.Session:
        """A session in `account_id`, for assertions, made the same way as the profiles."""
        base = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region)
        creds = base.client("sts", endpoint_url=self.endpoint).assume_role(
            RoleArn=f"arn:aws:iam::{account_id}:role/admin", RoleSessionName="test-assertions"
        )["Credentials"]
        return boto3.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
            region_name=region,
        )

    def client(self, account_id: str, service: str, region: str = "eu-west-1"):
        return self.session(account_id, region).client(service, endpoint_url=self.endpoint)


def write_aws_config(path: Path, profiles: dict[str, str]) -> None:
    """Each profile assumes role `admin` in its account from a base profile."""
    lines = ["[profile base]", "region = eu-west-1", ""]
    for name, account_id in profiles.items():
        lines += [f"[profile {name}]", f"role_arn = arn:aws:iam::{account_id}:role/admin", "source_profile = base", "region = eu-west-1", ""]
    path.write_text("\n".join(lines))
    (path.parent / "credentials").write_text("[base]\naws_access_key_id = testing\naws_secret_access_key = testing\n")


# moto's CloudFormation has no models for these types and skips them; the pipeline
# template reads their Arn with GetAtt, which moto then rejects. These stand-ins give
# them a name and an ARN (and nothing else): the fixture's workaround, not the product's.
STAND_IN_TYPES = {
    "AWS::CodeBuild::Project": ("codebuild", "project/{name}"),
    "AWS::CodeBuild::ReportGroup": ("codebuild", "report-group/{name}"),
    "AWS::CodePipeline::Pipeline": ("codepipeline", "{name}"),
    "AWS::SNS::TopicPolicy": ("sns", "{name}"),
    "AWS::S3::BucketPolicy": ("s3", "{name}"),
}


_STAND_INS: list[type] = []  # __subclasses__() holds classes weakly: keep them alive


def register_stand_in_models() -> None:
    from moto.cloudformation import parsing
    from moto.core.common_models import CloudFormationModel

    if _STAND_INS:
        return
    for resource_type, (service, resource) in STAND_IN_TYPES.items():
        _STAND_INS.append(_make_stand_in(CloudFormationModel, resource_type, service, resource))
    _STAND_INS.append(_lambda_alias_model(CloudFormationModel))
    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()


def _make_stand_in(base, resource_type: str, service: str, resource: str):
    class StandIn(base):
        __module__ = "moto.pipekit_stand_ins"  # moto's model metaclass wants "moto.<service>"
        pipekit_stand_in = True

        def __init__(self, name: str, account_id: str, region: str) -> None:
            self.name = name
            self.arn = f"arn:aws:{service}:{region}:{account_id}:{resource.format(name=name)}"

        @staticmethod
        def cloudformation_name_type() -> str:
            return "Name"

        @staticmethod
        def cloudformation_type() -> str:
            return resource_type

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return attr == "Arn"

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
            name = cloudformation_json.get("Properties", {}).get("Name") or resource_name
            return cls(name, account_id, region_name)

        @classmethod
        def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
            return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

        @classmethod
        def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
            return None

        @property
        def physical_resource_id(self) -> str:
            return self.name

        def get_cfn_attribute(self, attribute_name: str) -> str:
            return self.arn

        def is_created(self) -> bool:
            return True

    StandIn.__name__ = f"StandIn{resource_type.replace(':', '')}"
    return StandIn


def _lambda_alias_model(base):
    """AWS::Lambda::Alias, which moto's CloudFormation lacks (SAM's AutoPublishAlias makes
    one): a real alias in moto's Lambda, so that GetAlias answers as in AWS."""

    class LambdaAliasModel(base):
        __module__ = "moto.pipekit_stand_ins"

        def __init__(self, arn: str) -> None:
            self.arn = arn

        @staticmethod
        def cloudformation_name_type() -> str:
            return "Name"

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::Lambda::Alias"

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return attr == "AliasArn"

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
            from moto.awslambda.models import lambda_backends

            props = cloudformation_json.get("Properties", {})
            alias = lambda_backends[account_id][region_name].create_alias(
                name=props["Name"], function_name=props["FunctionName"], function_version=str(props["FunctionVersion"]),
                description="", routing_config=None,
            )
            return cls(alias.arn)

        @classmethod
        def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
            from moto.awslambda.models import lambda_backends

            props = cloudformation_json.get("Properties", {})
            alias = lambda_backends[account_id][region_name].update_alias(
                name=props["Name"], function_name=props["FunctionName"], function_version=str(props["FunctionVersion"]),
                description="", routing_config=None,
            )
            return cls(alias.arn)

        @classmethod
        def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
            return None

        @property
        def physical_resource_id(self) -> str:
            return self.arn

        def get_cfn_attribute(self, attribute_name: str) -> str:
            return self.arn

        def is_created(self) -> bool:
            return True

    return LambdaAliasModel


def patch_moto_sam_transform(monkeypatch: pytest.MonkeyPatch) -> None:
    """CloudFormation runs the SAM transform when it creates a change set; moto does not,
    and skips every AWS::Serverless resource. Run the same translator pipekit's validate
    runs (checks.tools.transform) on such a template before moto reads it, so that a
    deployed service stack has its functions, versions and aliases as in AWS."""
    import json

    from moto.cloudformation.models import CloudFormationBackend

    from pipekit.checks.tools import transform
    from pipekit.project import cfn_yaml

    from moto.awslambda.models import LambdaVersion

    # SAM reads a published version's number with GetAtt <Version>.Version.
    monkeypatch.setattr(LambdaVersion, "has_cfn_attr", classmethod(lambda cls, attr: attr == "Version"), raising=False)
    monkeypatch.setattr(LambdaVersion, "get_cfn_attribute", lambda self, attr: str(self.version), raising=False)
    original = CloudFormationBackend.create_change_set

    def create_change_set(self, stack_name, change_set_name, template, *args, **kwargs):
        body = cfn_yaml.loads(template)
        if body.get("Transform") == "AWS::Serverless-2016-10-31":
            template = json.dumps(transform(body, self.region_name, lambda logical_id, path: path))
        return original(self, stack_name, change_set_name, template, *args, **kwargs)

    monkeypatch.setattr(CloudFormationBackend, "create_change_set", create_change_set)
