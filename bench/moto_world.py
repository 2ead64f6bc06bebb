"""A pipekit project with N environments, each in its own account, deployed into a local
moto server: what `status` reads at scale. Shared by the benchmarks.

Each environment's service stack holds what status looks into: a Lambda function (with
a `live` alias made through Lambda's API) and a CodeDeploy application and deployment
group (moto's CloudFormation has no CodeDeploy models, so stand-ins from the tests give
them names, and the same names are created in moto's CodeDeploy). moto has no
CodePipeline state or executions: PIPELINE_ANSWERS are their canned answers, shaped as
in the API reference, served by the latency proxy.
"""

from __future__ import annotations

import logging
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))  # moto_aws: profiles and CloudFormation stand-ins

PROJECT = "bench"
REGION = "eu-west-1"
BUILD_ID = "100000000000"
SERVICE_TEMPLATE = """\
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {Version: "2012-10-17", Statement: []}
  Function:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Code: {ZipFile: "def handler(event, context): return 1"}
  Application:
    Type: AWS::CodeDeploy::Application
    Properties: {Name: APPLICATION}
  DeploymentGroup:
    Type: AWS::CodeDeploy::DeploymentGroup
    Properties: {Name: GROUP}
"""
T0 = datetime(2026, 11, 27, 9, 30, tzinfo=timezone.utc).timestamp()


def account_id(n: int) -> str:
    return f"{200000000000 + n}"


def env_name(n: int) -> str:
    return f"env{n:02d}"


def config_text(environments: int) -> str:
    accounts = [f'  build: {{id: "{BUILD_ID}", profile: bench-build}}']
    accounts += [f'  {env_name(n)}: {{id: "{account_id(n)}", profile: bench-{env_name(n)}}}' for n in range(1, environments + 1)]
    envs = [f"  - {{name: {env_name(n)}, account: {env_name(n)}, deployment: AllAtOnce}}" for n in range(1, environments + 1)]
    return "\n".join([
        f"project: {PROJECT}", f"region: {REGION}", "accounts:", *accounts,
        "source: {provider: codecommit, repository: bench}",
        "build: {projects: [src/Bench/Bench.csproj]}",
        "service:", "  functions: [{name: Bench, project: src/Bench/Bench.csproj}]",
        "environments:", *envs, "",
    ])


def pipeline_answers(environments: int) -> dict[str, dict]:
    """GetPipelineState and ListPipelineExecutions, as CodePipeline answers them."""
    execution = "0a1b2c3d-0000-4000-8000-000000000001"
    stages = ["Source", "Build"] + [env_name(n).title() for n in range(1, environments + 1)]
    state = {"pipelineName": PROJECT, "pipelineVersion": 1, "stageStates": [
        {"stageName": s, "latestExecution": {"pipelineExecutionId": execution, "status": "Succeeded"}, "actionStates": []} for s in stages
    ]}
    executions = {"pipelineExecutionSummaries": [{
        "pipelineExecutionId": execution, "status": "Succeeded", "startTime": T0, "lastUpdateTime": T0,
        "sourceRevisions": [{"actionName": "Source", "revisionId": "a" * 40, "revisionSummary": "bench commit"}],
    }]}
    return {"CodePipeline_20150709.GetPipelineState": state, "CodePipeline_20150709.ListPipelineExecutions": executions}


def start_moto():
    """A moto server on a free port, with the tests' CloudFormation fixes and stand-ins."""
    import pytest
    from moto.server import ThreadedMotoServer

    from moto_aws import STAND_IN_TYPES, free_port, patch_moto_cloudformation, register_stand_in_models

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log
    STAND_IN_TYPES.setdefault("AWS::CodeDeploy::Application", ("codedeploy", "application:{name}"))
    STAND_IN_TYPES.setdefault("AWS::CodeDeploy::DeploymentGroup", ("codedeploy", "deploymentgroup:{name}"))
    patch_moto_cloudformation(pytest.MonkeyPatch())
    register_stand_in_models()
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    return server, f"http://127.0.0.1:{port}"


def write_profiles(endpoint: str, work: Path, environments: int):
    """The AWS config: one assume-role profile per account; a MotoAws to reach them."""
    from moto_aws import MotoAws, write_aws_config

    profiles = {"bench-build": BUILD_ID, **{f"bench-{env_name(n)}": account_id(n) for n in range(1, environments + 1)}}
    write_aws_config(work / "aws-config", profiles)
    return MotoAws(endpoint, work / "aws-config")


def build(endpoint: str, work: Path, environments: int) -> None:
    """Write the AWS config and deploy each environment's stack."""
    aws = write_profiles(endpoint, work, environments)
    for n in range(1, environments + 1):
        stack = f"{PROJECT}-svc-{env_name(n)}"
        application, group = f"{stack}-app", f"{stack}-group"
        cf = aws.client(account_id(n), "cloudformation")
        body = SERVICE_TEMPLATE.replace("APPLICATION", application).replace("GROUP", group)
        cf.create_stack(StackName=stack, TemplateBody=body, Capabilities=["CAPABILITY_IAM"])
        function = next(r["PhysicalResourceId"] for r in cf.describe_stack_resources(StackName=stack)["StackResources"]
                        if r["ResourceType"] == "AWS::Lambda::Function")
        lam = aws.client(account_id(n), "lambda")
        version = lam.publish_version(FunctionName=function)["Version"]
        lam.create_alias(FunctionName=function, Name="live", FunctionVersion=version)
        codedeploy = aws.client(account_id(n), "codedeploy")
        codedeploy.create_application(applicationName=application, computePlatform="Lambda")
        codedeploy.create_deployment_group(applicationName=application, deploymentGroupName=group,
                                           serviceRoleArn=f"arn:aws:iam::{account_id(n)}:role/codedeploy")


def process_env(endpoint: str, work: Path) -> dict[str, str]:
    """The environment a pipekit process gets: the config's profiles, the endpoint."""
    env = {**os.environ, "AWS_ENDPOINT_URL": endpoint, "AWS_CONFIG_FILE": str(work / "aws-config"),
           "AWS_SHARED_CREDENTIALS_FILE": str(work / "credentials"), "AWS_EC2_METADATA_DISABLED": "true",
           "PIPEKIT_CACHE_DIR": str(work / "pipekit-cache")}  # the user's own cache stays untouched
    for variable in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        env.pop(variable, None)
    return env
