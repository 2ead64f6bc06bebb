"""The pipeline's Stages as CloudFormation data, built from layout: the one place that
turns the plain-data pipeline into action declarations. The pipeline template emits the
result with its YAML filter, so no stage, action or role name is typed in a template."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipekit.project import conditions, layout, names
from pipekit.project.layout import Action, Stage

if TYPE_CHECKING:
    from pipekit.config.models import Config


def _ref(logical_id: str) -> dict[str, str]:
    return {"Ref": logical_id}


def _action_type(category: str, provider: str) -> dict[str, str]:
    return {"Category": category, "Owner": "AWS", "Provider": provider, "Version": "1"}


def source_stage(cfg: Config) -> dict[str, Any]:
    source = cfg.source
    if source.provider == "codeconnections":
        action_type = _action_type("Source", "CodeStarSourceConnection")
        configuration = {
            "ConnectionArn": source.connection_arn,
            "FullRepositoryId": source.repository,
            "BranchName": source.branch,
            "OutputArtifactFormat": "CODE_ZIP",
        }
    else:
        action_type = _action_type("Source", "CodeCommit")
        # EventBridge starts the pipeline (SourceChangeRule); polling is the slow legacy way.
        configuration = {
            "RepositoryName": source.repository,
            "BranchName": source.branch,
            "PollForSourceChanges": False,
            "OutputArtifactFormat": "CODE_ZIP",
        }
    action = {
        "Name": layout.SOURCE_STAGE,
        "Namespace": layout.SOURCE_NAMESPACE,
        "RunOrder": 1,
        "ActionTypeId": action_type,
        "Configuration": configuration,
        "OutputArtifacts": [{"Name": layout.SOURCE_ARTIFACT}],
    }
    return {"Name": layout.SOURCE_STAGE, "Actions": [action]}


def build_stage() -> dict[str, Any]:
    """Built once: every environment stage deploys this stage's output."""
    action = {
        "Name": "BuildAndPackage",
        "Namespace": layout.BUILD_NAMESPACE,
        "RunOrder": 1,
        "ActionTypeId": _action_type("Build", "CodeBuild"),
        "Configuration": {"ProjectName": _ref("BuildProject")},
        "InputArtifacts": [{"Name": layout.SOURCE_ARTIFACT}],
        "OutputArtifacts": [{"Name": layout.BUILD_ARTIFACT}],
    }
    # A failed build action is retried once on its own (CodePipeline's automatic retry);
    # only a stage without onFailure conditions may retry, so the environments keep ROLLBACK.
    on_failure = {"Result": "RETRY", "RetryConfiguration": {"RetryMode": "FAILED_ACTIONS"}}
    return {"Name": layout.BUILD_STAGE, "OnFailure": on_failure, "Actions": [action]}


def _environment_action(stage: Stage, action: Action, capabilities: list[str]) -> dict[str, Any]:
    declared: dict[str, Any] = {"Name": action.name}
    if action.namespace:
        declared["Namespace"] = action.namespace
    declared["RunOrder"] = action.run_order
    if action.kind in ("create_change_set", "execute_change_set"):
        declared["RoleArn"] = stage.target.deploy_role_arn
        declared["ActionTypeId"] = _action_type("Deploy", "CloudFormation")
        configuration: dict[str, Any] = {
            "ActionMode": "CHANGE_SET_REPLACE" if action.kind == "create_change_set" else "CHANGE_SET_EXECUTE",
            "StackName": stage.stack,
            "ChangeSetName": stage.change_set,
        }
        if action.kind == "create_change_set":
            configuration.update({
                "TemplatePath": f"{layout.BUILD_ARTIFACT}::{names.PACKAGED_TEMPLATE}",
                "Capabilities": ",".join(capabilities),
                "RoleArn": stage.target.exec_role_arn,
                # The environment's parameters travel in the build artifact (built once).
                "TemplateConfiguration": f"{layout.BUILD_ARTIFACT}::{stage.template_configuration}",
            })
            declared["InputArtifacts"] = [{"Name": layout.BUILD_ARTIFACT}]
        declared["Configuration"] = configuration
    elif action.kind == "approval":
        declared["ActionTypeId"] = _action_type("Approval", "Manual")
        declared["Configuration"] = {
            "NotificationArn": _ref("NotificationTopic"),
            "CustomData": action.custom_data,
            "ExternalEntityLink": action.external_link,
        }
    elif action.kind == "review":
        # The review function answers the job with VERDICT and REPORT_URL (the namespace).
        declared["ActionTypeId"] = _action_type("Invoke", "Lambda")
        declared["Configuration"] = {"FunctionName": _ref("ReviewFunction"), "UserParameters": action.user_parameters}
    elif action.kind == "integration_tests":
        declared["ActionTypeId"] = _action_type("Test", "CodeBuild")
        declared["Configuration"] = {"ProjectName": _ref("IntegrationTestProject"), "EnvironmentVariables": action.environment_variables}
        declared["InputArtifacts"] = [{"Name": layout.SOURCE_ARTIFACT}]
    else:
        raise ValueError(f"unknown action kind {action.kind!r}")
    return declared


def environment_stage(stage: Stage, capabilities: list[str], alarm_names: dict[str, str], region: str) -> dict[str, Any]:
    declared: dict[str, Any] = {"Name": stage.name}
    entry = conditions.before_entry(stage, alarm_names, region)
    if entry:
        declared["BeforeEntry"] = entry
    # A failed release in an environment rolls the stage back to its last good artifact.
    declared["OnFailure"] = {"Result": "ROLLBACK"}
    success = conditions.on_success(stage, alarm_names, region)
    if success:
        declared["OnSuccess"] = success
    declared["Actions"] = [_environment_action(stage, action, capabilities) for action in stage.actions]
    return declared


def stages_property(cfg: Config, stages: list[Stage], capabilities: list[str], alarm_names: dict[str, str]) -> list[dict[str, Any]]:
    """The Stages property of AWS::CodePipeline::Pipeline. `alarm_names`: the service
    template's alarms (logical id -> AlarmName with ${AWS::StackName}), for the gates."""
    return [source_stage(cfg), build_stage(),
            *(environment_stage(stage, capabilities, alarm_names, cfg.region) for stage in stages)]
