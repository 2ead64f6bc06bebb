"""The shape of the delivery setup as plain data: target accounts with their roles, and
the pipeline's per-environment stages. Templates render it; validate, approve and
rollback read it. No AWS and no templates in here."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

from pipekit.project import names

if TYPE_CHECKING:
    from pipekit.config.models import Config, Environment

# The two stages in front of the environments, and the artifacts they hand on.
SOURCE_STAGE = "Source"
BUILD_STAGE = "Build"
SOURCE_ARTIFACT = "Source"
BUILD_ARTIFACT = "BuildOutput"
SOURCE_NAMESPACE = "SourceVariables"
BUILD_NAMESPACE = "BuildVariables"

# Namespace of an environment's execute action; its outputs reach later actions
# as #{DevDeploy.ApiUrl}.
DEPLOY_NAMESPACE = "{title}Deploy"
# Namespace of the change-set review in front of an approval: #{ProdReview.VERDICT}.
REVIEW_NAMESPACE = "{title}Review"


@dataclass(frozen=True)
class Target:
    """A target account and the two roles pipekit puts in it."""

    account: str
    id: str
    root_arn: str
    deploy_role_arn: str
    exec_role_arn: str
    review_role_arn: str


@dataclass(frozen=True)
class Action:
    name: str
    kind: str  # create_change_set | review | approval | execute_change_set | integration_tests
    run_order: int
    namespace: Optional[str] = None
    custom_data: Optional[str] = None
    environment_variables: Optional[str] = None
    external_link: Optional[str] = None
    user_parameters: Optional[str] = None  # the review function's job (JSON)


@dataclass(frozen=True)
class Stage:
    name: str
    env: Environment
    target: Target
    stack: str
    change_set: str
    parameters: dict[str, str]
    actions: list[Action] = field(default_factory=list)
    # The review role of the environment before, whose alarm history the review reads.
    previous_review_role_arn: Optional[str] = None

    @property
    def template_configuration(self) -> str:
        """The build artifact's file of this environment's stack parameters."""
        return names.environment_parameters(self.env.name)

    @property
    def approval_action(self) -> Optional[str]:
        return next((a.name for a in self.actions if a.kind == "approval"), None)


def stage_name(env: Environment) -> str:
    """The pipeline stage that deploys an environment: dev -> Dev."""
    return env.title


def environment_of_stage(cfg: Config, stage: str) -> Optional[Environment]:
    return next((env for env in cfg.environments if stage_name(env) == stage), None)


def deploy_namespace(env: Environment) -> str:
    return DEPLOY_NAMESPACE.format(title=env.title)


def review_namespace(env: Environment) -> str:
    return REVIEW_NAMESPACE.format(title=env.title)


def targets(cfg: Config) -> list[Target]:
    return [
        Target(
            account=account,
            id=cfg.account_id(account),
            root_arn=names.account_root_arn(cfg, cfg.account_id(account)),
            deploy_role_arn=names.role_arn(cfg, cfg.account_id(account), names.deploy_role(cfg)),
            exec_role_arn=names.role_arn(cfg, cfg.account_id(account), names.exec_role(cfg)),
            review_role_arn=names.role_arn(cfg, cfg.account_id(account), names.review_role(cfg)),
        )
        for account in cfg.target_accounts
    ]


def environment_parameters_file(stage: Stage) -> str:
    """A CloudFormation template configuration file: the stage's stack parameters.
    Rendered into the repository and shipped in the build artifact (built once, like
    the code), because CodePipeline caps inline ParameterOverrides at 1000 characters."""
    return json.dumps({"Parameters": stage.parameters, "Tags": stack_tags(stage)}, indent=2, sort_keys=True) + "\n"


def stack_tags(stage: Stage) -> dict[str, str]:
    """The stack-level tags the pipeline deploys the stage's service stack with (its
    template configuration); CloudFormation propagates them to every taggable resource."""
    return {"pipekit:environment": stage.env.name}


def stages(cfg: Config) -> list[Stage]:
    """One stage per environment, in the config's order."""
    by_account = {t.account: t for t in targets(cfg)}
    envs = cfg.environments
    return [_stage(cfg, env, by_account[env.account], (envs[i - 1], by_account[envs[i - 1].account]) if i else None)
            for i, env in enumerate(envs)]


# CodePipeline's limit on an action configuration value (botocore: ActionConfigurationValue).
USER_PARAMETERS_MAX = 1000


def _review_job(cfg: Config, job: dict, previous: Optional[tuple[Environment, Target]]) -> tuple[str, Optional[str]]:
    """The job as UserParameters, with the environment before's review role and alarm
    names when it has one and they fit; and the role the review function assumes for them."""
    plain = json.dumps(job, separators=(",", ":"))
    if previous is None:
        return plain, None
    env, target = previous
    alarms = names.service_alarms(cfg, names.service_stack(cfg, env.name))
    full = json.dumps({**job, "previous_review_role_arn": target.review_role_arn, "previous_alarms": alarms}, separators=(",", ":"))
    if len(full) > USER_PARAMETERS_MAX:  # the report then says the alarms are not read
        return plain, None
    return full, target.review_role_arn


def _stage(cfg: Config, env: Environment, target: Target, previous: Optional[tuple[Environment, Target]] = None) -> Stage:
    stack = names.service_stack(cfg, env.name)
    change_set = names.change_set(cfg, env.name)
    actions = [Action("CreateChangeSet", "create_change_set", 1)]
    previous_review_role_arn = None
    if env.approval == "manual":
        review = review_namespace(env)
        # What the review function (pipekit/review_function/handler.py) reviews.
        job = {
            "pipeline": names.pipeline_name(cfg),
            "stage": stage_name(env),
            "environment": env.name,
            "stack": stack,
            "change_set": change_set,
            "review_role_arn": target.review_role_arn,
            "fail_on": env.review.fail_on,
            "execution_id": "#{codepipeline.PipelineExecutionId}",
        }
        user_parameters, previous_review_role_arn = _review_job(cfg, job, previous)
        actions.append(Action("ReviewChangeSet", "review", 2, namespace=review, user_parameters=user_parameters))
        custom_data = (
            f"#{{{review}.EXECUTION}}: #{{{review}.VERDICT}}. Change set {change_set} of stack {stack} in account {target.id} ({env.name}); "
            f"the report is linked here. Answer with: pipekit approve --env {env.name}"
        )
        actions.append(Action("Approve", "approval", 3, custom_data=custom_data, external_link=f"#{{{review}.REPORT_URL}}"))
    namespace = deploy_namespace(env)
    actions.append(Action("ExecuteChangeSet", "execute_change_set", len(actions) + 1, namespace=namespace))
    if env.integration_tests:
        variables = [
            {"name": "SERVICE_URL", "value": f"#{{{namespace}.ApiUrl}}", "type": "PLAINTEXT"},
            {"name": "INTEGRATION_TESTS", "value": env.integration_tests, "type": "PLAINTEXT"},
            {"name": "PIPEKIT_ENVIRONMENT", "value": env.name, "type": "PLAINTEXT"},
        ]
        actions.append(
            Action(
                "IntegrationTests",
                "integration_tests",
                len(actions) + 1,
                environment_variables=json.dumps(variables, separators=(",", ":")),
            )
        )
    hooks = env.effective_hooks(cfg.service.hooks)
    parameters = {
        "Environment": env.name,
        "DeploymentType": env.deployment,
        "HooksEnabled": "true" if hooks.enabled else "false",
        "HookSettings": json.dumps(hooks.settings(), separators=(",", ":"), sort_keys=True),
    }
    return Stage(
        name=stage_name(env),
        env=env,
        target=target,
        stack=stack,
        change_set=change_set,
        parameters=parameters,
        actions=actions,
        previous_review_role_arn=previous_review_role_arn,
    )
