"""Names of the AWS resources pipekit creates, derived from the config in one place so
that every template, check and command agrees on them."""

from __future__ import annotations

from typing import TYPE_CHECKING
if TYPE_CHECKING:
    from pipekit.config.models import Config


# Where pipekit renders each template in the project folder.
BUILD_ACCOUNT_TEMPLATE = "infra/build-account.yaml"
TARGET_ACCOUNT_TEMPLATE = "infra/target-account.yaml"
PIPELINE_TEMPLATE = "infra/pipeline.yaml"
SERVICE_TEMPLATE = "service/template.yaml"
PACKAGED_TEMPLATE = "packaged.yaml"
HOOKS_DIR = "service/hooks"
HOOK_FILES = ("hooklib.py", "pre_traffic.py", "post_traffic.py")


# CodeDeploy's service role may invoke only hook functions whose names start with this.
HOOK_FUNCTION_PREFIX = "CodeDeployHook_"


def environment_parameters(env: str) -> str:
    return f"service/environments/{env}.json"


CLOUDFORMATION_TEMPLATES = (BUILD_ACCOUNT_TEMPLATE, TARGET_ACCOUNT_TEMPLATE, PIPELINE_TEMPLATE, SERVICE_TEMPLATE)


def artifacts_stack(cfg: Config) -> str:
    return f"{cfg.project}-artifacts"


def pipeline_stack(cfg: Config) -> str:
    return f"{cfg.project}-pipeline"


def target_stack(cfg: Config) -> str:
    return f"{cfg.project}-deployment-roles"


def service_stack_prefix(cfg: Config) -> str:
    # The deployment and execution roles may only touch stacks, roles and functions
    # under this prefix; the roles' own stack is outside it on purpose.
    return f"{cfg.project}-svc"


def service_stack(cfg: Config, env: str) -> str:
    return f"{service_stack_prefix(cfg)}-{env}"


def personal_stack(cfg: Config, env: str, name: str) -> str:
    """A developer's own service stack (`pipekit dev deploy --name`), under the service
    prefix so that the target account's roles cover it."""
    return f"{service_stack(cfg, env)}-{name}"


def function_log_group(stack: str, function: str) -> str:
    """The log group of a service function (`function` is its name in pipekit.yaml); the
    service template renders it with stack "${AWS::StackName}"."""
    return f"/aws/lambda/{stack}-{function}"


def hook_log_group(stack: str, function: str, role: str) -> str:
    """The log group of a function's traffic hook; role is "pre" or "post"."""
    return f"/aws/lambda/{stack}-{function}-{role}-traffic-hook"


def function_errors_alarm(stack: str, function: str) -> str:
    """The alarm on a function's new-version errors (the service template renders it
    with stack "${AWS::StackName}")."""
    return f"{stack}-{function}-new-version-errors"


def api_5xx_alarm(stack: str) -> str:
    return f"{stack}-api-5xx"


def service_alarms(cfg: Config, stack: str) -> list[str]:
    """Every alarm the service template makes in `stack`."""
    found = [function_errors_alarm(stack, fn.name) for fn in cfg.service.functions]
    return found + ([api_5xx_alarm(stack)] if cfg.service.api_functions else [])


def pipeline_name(cfg: Config) -> str:
    return cfg.project


def pipeline_role(cfg: Config) -> str:
    return f"{cfg.project}-pipeline"


def deploy_role(cfg: Config) -> str:
    return f"{cfg.project}-deploy"


def exec_role(cfg: Config) -> str:
    return f"{cfg.project}-cfn-exec"


def review_role(cfg: Config) -> str:
    """In target accounts: read-only role the review function assumes. In the build
    account: the review function's own role (same name, trusted by the former)."""
    return f"{cfg.project}-review"


def build_project(cfg: Config) -> str:
    """The build's CodeBuild project, and its role (same name)."""
    return f"{cfg.project}-build"


def integration_test_project(cfg: Config) -> str:
    """The integration tests' CodeBuild project, and its role (same name)."""
    return f"{cfg.project}-integration-tests"


def responders_policy(cfg: Config) -> str:
    """The managed policy in each target account for the people who run pipekit rollback."""
    return f"{cfg.project}-responders"


def review_function(cfg: Config) -> str:
    """The review's Lambda function in the build account; its role is review_role (the
    name the target accounts' review roles trust)."""
    return f"{cfg.project}-review"


def review_log_group(cfg: Config) -> str:
    """The review function's log group, where Lambda would put it."""
    return f"/aws/lambda/{review_function(cfg)}"


def codebuild_log_group(project: str) -> str:
    return f"/aws/codebuild/{project}"


def report_group(project: str, report: str) -> str:
    """CodeBuild files a buildspec's report `report` under "<project>-<report>"."""
    return f"{project}-{report}"


def notification_topic(cfg: Config) -> str:
    return f"{cfg.project}-pipeline"


def chat(cfg: Config) -> str:
    """The chat channel configurations, their role and the notification rule."""
    return f"{cfg.project}-pipeline-chat"


def approvers_policy(cfg: Config) -> str:
    return f"{cfg.project}-approvers"


def export(cfg: Config, output: str) -> str:
    """Name under which a pipekit stack exports `output` (unique per project and account)."""
    return f"{cfg.project}-{output}"


def boundary_policy(cfg: Config) -> str:
    return f"{cfg.project}-svc-boundary"


def partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def role_arn(cfg: Config, account_id: str, role: str) -> str:
    return f"arn:{partition(cfg.region)}:iam::{account_id}:role/{role}"


def account_root_arn(cfg: Config, account_id: str) -> str:
    return f"arn:{partition(cfg.region)}:iam::{account_id}:root"


def artifact_bucket(cfg: Config) -> str:
    return f"{cfg.project}-artifacts-{cfg.build_account_id}-{cfg.region}"


def access_log_bucket(cfg: Config) -> str:
    return f"{cfg.project}-access-logs-{cfg.build_account_id}-{cfg.region}"


def artifact_key_alias(cfg: Config) -> str:
    return f"alias/{cfg.project}-artifacts"


def service_key_alias(cfg: Config) -> str:
    return f"alias/{cfg.project}-service"


def change_set(cfg: Config, env: str) -> str:
    return f"{cfg.project}-{env}-pipeline"
