"""What the people who run pipekit's commands ask, with the managed policies pipekit renders
for them and attaches to no role: `pipekit approve` with the `<project>-approvers`
policies (build account and target accounts), `pipekit rollback` and `status` with the
`<project>-responders` policies. A holder stands in as a role of the policy's account
that has that policy alone, so a grant missing from it is a finding on the policy; and
since nothing else uses these policies, a granted action no holder is asked for is one
too (unused.py)."""

from __future__ import annotations

from typing import Iterator, Mapping, Optional

from pipekit.checks.permissions import service_data as data
from pipekit.checks.permissions.arns import facts
from pipekit.checks.permissions.asks import need
from pipekit.checks.permissions.chain_pipeline import dossier_build_needs
from pipekit.checks.permissions.model import Need
from pipekit.checks.permissions.registry import Role
from pipekit.checks.permissions.stacks import Project
from pipekit.checks.permissions.unknown import unknown
from pipekit.project import names

HOLDER = "<a holder of "  # the made-up role name of a policy's holder: role/<a holder of NAME>


def people_needs(project: Project) -> Iterator[Need]:
    if project.pipeline is None:
        return
    yield from _approver_needs(project)
    yield from _responder_needs(project)


def holder(project: Project, account: str, policy: str) -> Optional[str]:
    """A role of `account` whose only policy is the managed policy `policy`; None when the
    rendered templates do not make that policy there."""
    partition = project.pipeline.partition
    policy_arn = f"arn:{partition}:iam::{account}:policy/{policy}"
    where = project.registry.where_managed(policy_arn)
    if where is None:
        return None
    arn = f"arn:{partition}:iam::{account}:role/{HOLDER}{policy}>"
    project.registry.roles.setdefault(arn, Role(arn, account, where, None, [], [policy_arn]))
    return arn


def _pipeline_arn(project: Project) -> str:
    p = project.pipeline
    return f"arn:{p.partition}:codepipeline:{p.region}:{p.account}:{names.pipeline_name(project.cfg)}"


def _stack_arn(project: Project, account: str, stack: str) -> str:
    p = project.pipeline
    return f"arn:{p.partition}:cloudformation:{p.region}:{account}:stack/{stack}/{unknown(f'{account}/{stack} stack id')}"


def _approver_needs(project: Project) -> Iterator[Need]:
    cfg, services = project.cfg, project.services
    gated = [(i, stage) for i, (stage, _) in enumerate(services) if stage.approval_action]
    policy = names.approvers_policy(cfg)
    person = holder(project, project.pipeline.account, policy) if gated else None
    why = "pipekit approve"
    if person:
        for call in data.APPROVE_PIPELINE_CALLS:
            yield need(person, call, _pipeline_arn(project), why + " reads the pipeline and the release")
        for _, stage in gated:
            for call in data.APPROVE_ANSWER_CALLS:
                yield need(person, call, f"{_pipeline_arn(project)}/{stage.name}/{stage.approval_action}", why + " answers the approval")
        yield from dossier_build_needs(project.pipeline, person, why)
    for index, stage in gated:
        reader = holder(project, stage.target.id, policy)
        if reader:
            for call in data.APPROVE_CHANGE_SET_CALLS:
                yield need(reader, call, _stack_arn(project, stage.target.id, stage.stack), f"{why} shows the change set of {stage.stack}")
        if index == 0:
            continue
        before = services[index - 1][0]
        reader = holder(project, before.target.id, policy)
        for alarm in names.service_alarms(cfg, before.stack) if reader else ():
            arn = f"arn:{project.pipeline.partition}:cloudwatch:{project.pipeline.region}:{before.target.id}:alarm:{alarm}"
            for call in data.APPROVE_ALARM_CALLS:
                yield need(reader, call, arn, f"{why} reads whether the candidate's alarms fired in {before.env.name}")


def _responder_needs(project: Project) -> Iterator[Need]:
    policy = names.responders_policy(project.cfg)
    why = "pipekit rollback and status"
    person = holder(project, project.pipeline.account, policy)
    if person:
        for call in data.RESPOND_PIPELINE_CALLS:
            yield need(person, call, _pipeline_arn(project), why + " read the pipeline")
        for stage, _ in project.services:
            for call in data.RESPOND_STAGE_CALLS:
                yield need(person, call, f"{_pipeline_arn(project)}/{stage.name}", f"pipekit rollback rolls stage {stage.name} back")
    for stage, stack in project.services:
        person = holder(project, stage.target.id, policy)
        if not person:
            continue
        for call in data.RESPOND_STACK_CALLS:
            yield need(person, call, _stack_arn(project, stage.target.id, stage.stack), f"{why} read and recover {stage.stack}")
        for call in data.RESPOND_STAR_CALLS:
            yield need(person, call, "*", f"{why} stop a traffic shift of {stage.stack}")
        for logical_id, resource in stack.resources.items():
            kind = resource.get("Type") if isinstance(resource, Mapping) else None
            calls, arns = _service_reads(stack, logical_id, kind)
            for call in calls:
                for arn in arns:
                    yield need(person, call, arn, f"{why} read {logical_id} ({kind}) of {stage.stack}")


def _service_reads(stack, logical_id: str, kind: Optional[str]) -> tuple[tuple[str, ...], list[str]]:
    """What status and rollback read of one resource of the service stack, and its ARNs."""
    if kind == "AWS::CodeDeploy::DeploymentGroup":
        return data.RESPOND_DEPLOYMENT_CALLS, facts(stack, logical_id).arns.get("deploymentgroup", [])
    if kind == "AWS::CloudWatch::Alarm":
        return data.RESPOND_ALARM_CALLS, facts(stack, logical_id).arns.get("alarm", [])
    if kind == "AWS::Lambda::Function" and not facts(stack, logical_id).ref.startswith(names.HOOK_FUNCTION_PREFIX):
        return data.RESPOND_FUNCTION_CALLS, facts(stack, logical_id).arns.get("function", [])
    return (), []
