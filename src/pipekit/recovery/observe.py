"""What an environment looks like now: its service stack, the functions' live aliases,
traffic shifts under way, and the pipeline stage that deploys it. Shared by rollback
(which needs all of it) and status (which shows what it could read)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, Callable, Optional

from pipekit.aws.errors import aws_errors
from pipekit.errors import PipekitError
from pipekit.project import layout, names
from pipekit.config.constants import BUILD_ACCOUNT
from pipekit.recovery.rollback import Observations

if TYPE_CHECKING:
    from pipekit.config.models import Config, Environment

Clients = Callable[[str, str], Any]
RECENT_EXECUTIONS = 50


def service_parts(resources: list[dict]) -> tuple[list[str], list[tuple[str, str]], list[str]]:
    """(function names, (application, deployment group) pairs, resources that failed)."""
    functions = [r["PhysicalResourceId"] for r in resources if r.get("ResourceType") == "AWS::Lambda::Function" and r.get("PhysicalResourceId")]
    application = next((r.get("PhysicalResourceId", "") for r in resources if r.get("ResourceType") == "AWS::CodeDeploy::Application"), "")
    groups = [(application, r["PhysicalResourceId"]) for r in resources
              if r.get("ResourceType") == "AWS::CodeDeploy::DeploymentGroup" and r.get("PhysicalResourceId") and application]
    failed = [r["LogicalResourceId"] for r in resources if str(r.get("ResourceStatus", "")).endswith("_FAILED")]
    return functions, groups, failed


def observe(cfg: Config, env: Environment, clients: Clients, to_execution: Optional[str] = None) -> Observations:
    """The environment's own account must answer (its errors end the rollback); the
    pipeline lives in the build account, which an on-call engineer may not reach: what
    cannot be read there is recorded with the reason, and the stack remedies still work."""
    stack_name = names.service_stack(cfg, env.name)
    with aws_errors(env.account):
        cf = clients(env.account, "cloudformation")
        stack = cf.describe_stack(stack_name)
        functions, groups, failed, deployments, aliases = [], [], [], [], []
        if stack is not None:
            functions, groups, failed = service_parts(cf.resources(stack_name))
            codedeploy, lam = clients(env.account, "codedeploy"), clients(env.account, "lambda")
            deployments = [d for app, group in groups for d in codedeploy.active_deployments(app, group)]
            aliases = [lam.alias(fn) for fn in functions if not fn.startswith(names.HOOK_FUNCTION_PREFIX)]
    observed = Observations(
        env=env.name, account=env.account, stack_name=stack_name, stack=stack, failed_resources=tuple(failed),
        deployments=tuple(deployments), aliases=tuple(aliases), stage=layout.stage_name(env),
    )
    try:
        with aws_errors(BUILD_ACCOUNT):
            return replace(observed, **_pipeline(clients, names.pipeline_name(cfg), layout.stage_name(env), to_execution))
    except PipekitError as exc:
        return replace(observed, unreadable=(f"pipeline {names.pipeline_name(cfg)}: {exc}",))


def _pipeline(clients: Clients, pipeline_name: str, stage_name: str, to_execution: Optional[str]) -> dict[str, Any]:
    pipeline = clients(BUILD_ACCOUNT, "codepipeline")
    declaration = pipeline.declaration(pipeline_name)
    stage = next((s for s in pipeline.stage_states(pipeline_name) if s.name == stage_name), None)
    executions = tuple(pipeline.executions(pipeline_name, RECENT_EXECUTIONS))
    # Rollback may only go to an execution of the current pipeline structure: read the
    # versions of the likely targets (the newest good executions, and the one asked for).
    targets = [e.execution_id for e in executions if e.status == "Succeeded" and e.execution_type != "ROLLBACK"][:5]
    if to_execution and to_execution not in targets:
        targets.append(to_execution)
    versions = {execution: pipeline.pipeline_version_of(pipeline_name, execution) for execution in targets}
    return dict(
        pipeline=pipeline_name, pipeline_type=declaration.get("pipelineType", "V1"), pipeline_version=declaration.get("version"),
        stage_execution=stage.execution_id if stage else "", executions=executions, execution_versions=versions,
    )
