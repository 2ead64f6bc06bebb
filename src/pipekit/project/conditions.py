"""An environment's gates as CodePipeline V2 stage conditions, and the pipeline's
triggers, as CloudFormation data (project/pipeline.py puts them into the pipeline).

The alarms live in the environment's account. A CloudWatchAlarm rule names its alarm
only by AlarmName; its RoleArn is, in CodePipeline's API reference (RuleExecutionInput),
"the IAM service role that performs the declared rule ... assumed through the roleArn
for the pipeline", the same words and mechanism as a cross-account action's RoleArn. So
each alarm rule runs as the target account's deployment role, which the pipeline role
already assumes, in the pipeline's region: see docs/gates.md."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from pipekit.project import layout
from pipekit.project.layout import Stage

if TYPE_CHECKING:
    from pipekit.config.models import Config

STACK_NAME = "${AWS::StackName}"
# Rule names (CodePipeline: [A-Za-z0-9.@_-]+): the gate and the alarm's logical id.
ENTRY_ALARM_RULE = "EntryAlarm-{alarm}"
BAKE_ALARM_RULE = "BakeAlarm-{alarm}"
WINDOW_RULE = "DeploymentWindow"
# The alarm state that fails a rule: an alarm in ALARM blocks entry and fails the bake.
FAILING_STATE = "ALARM"


def _rule_type(provider: str) -> dict[str, str]:
    return {"Category": "Rule", "Owner": "AWS", "Provider": provider, "Version": "1"}


def alarm_name(alarm_names: dict[str, str], logical_id: str, stack: str) -> str:
    """The AlarmName that `logical_id` has in `stack`; the logical id itself when the
    service template has no such alarm (validate's PK117 reports it)."""
    return alarm_names.get(logical_id, logical_id).replace(STACK_NAME, stack)


def _alarm_rule(name: str, alarm: str, stage: Stage, region: str, wait_minutes: Optional[int] = None) -> dict[str, Any]:
    configuration = {"AlarmName": alarm, "AlarmStates": FAILING_STATE}
    if wait_minutes:
        configuration["WaitTime"] = str(wait_minutes)
    return {
        "Name": name,
        "RuleTypeId": _rule_type("CloudWatchAlarm"),
        "Configuration": configuration,
        "RoleArn": stage.target.deploy_role_arn,
        "Region": region,
    }


def before_entry(stage: Stage, alarm_names: dict[str, str], region: str) -> Optional[dict[str, Any]]:
    """Entry fails while a named alarm is in ALARM, or outside the deployment window."""
    gates = stage.env.gates
    rules = [_alarm_rule(ENTRY_ALARM_RULE.format(alarm=a), alarm_name(alarm_names, a, stage.stack), stage, region)
             for a in gates.entry_alarms]
    if gates.window:
        rules.append({
            "Name": WINDOW_RULE,
            "RuleTypeId": _rule_type("DeploymentWindow"),
            "Configuration": {"Cron": gates.window.cron, "TimeZone": gates.window.time_zone},
        })
    return {"Conditions": [{"Result": "FAIL", "Rules": rules}]} if rules else None


def on_success(stage: Stage, alarm_names: dict[str, str], region: str) -> Optional[dict[str, Any]]:
    """After the stage succeeds, the bake alarms are watched for WaitTime minutes; one in
    ALARM rolls the whole stage back to its last good artifact."""
    bake = stage.env.gates.bake
    if not bake:
        return None
    rules = [_alarm_rule(BAKE_ALARM_RULE.format(alarm=a), alarm_name(alarm_names, a, stage.stack), stage, region, bake.wait_minutes)
             for a in bake.alarms]
    return {"Conditions": [{"Result": "ROLLBACK", "Rules": rules}]}


def triggers(cfg: Config) -> list[dict[str, Any]]:
    """V2 triggers: pushes to the branch start the pipeline, filtered by path when the config
    says so. CodePipeline offers triggers for CodeConnections sources only."""
    source = cfg.source
    if source.provider != "codeconnections":
        return []
    push: dict[str, Any] = {"Branches": {"Includes": [source.branch]}}
    paths: dict[str, Any] = {}
    if source.paths:
        paths["Includes"] = list(source.paths)
    if source.ignore_paths:
        paths["Excludes"] = list(source.ignore_paths)
    if paths:
        push["FilePaths"] = paths
    return [{
        "ProviderType": "CodeStarSourceConnection",
        "GitConfiguration": {"SourceActionName": layout.SOURCE_STAGE, "Push": [push]},
    }]
