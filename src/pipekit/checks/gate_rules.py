"""Cross-template rules for the gates (stage conditions) of the rendered pipeline:
registered with checks/rules.py's @rule, documented in docs/validate.md."""

from __future__ import annotations

from typing import Any, Iterator

from pipekit.checks.rules import Project, rule
from pipekit.config.gates import codepipeline_limit, cron_problem, time_zone_problem
from pipekit.project import cfn_yaml, conditions, layout, names
from pipekit.project.names import PIPELINE_TEMPLATE, SERVICE_TEMPLATE

# The results CodePipeline accepts per condition type (User Guide, "Configure conditions
# for a stage"): entry FAIL or SKIP, on success ROLLBACK or FAIL, on failure ROLLBACK.
RESULTS = {"BeforeEntry": ("FAIL", "SKIP"), "OnSuccess": ("ROLLBACK", "FAIL"), "OnFailure": ("ROLLBACK",)}


def _rules(stage: dict, provider: str) -> Iterator[tuple[str, dict]]:
    for when in RESULTS:
        for condition in (stage.get(when) or {}).get("Conditions") or []:
            for declared in condition.get("Rules") or []:
                if (declared.get("RuleTypeId") or {}).get("Provider") == provider:
                    yield when, declared


@rule("PK117", "every alarm a gate watches is an alarm of the service in that stage's stack", PIPELINE_TEMPLATE, SERVICE_TEMPLATE)
def _gate_alarms_exist(project: Project) -> Iterator[tuple[str, str]]:
    patterns = cfn_yaml.alarm_names(project.templates[SERVICE_TEMPLATE])
    for stage in project.pipeline_stages():
        env = layout.environment_of_stage(project.cfg, stage.get("Name"))
        if env is None:
            continue
        stack = names.service_stack(project.cfg, env.name)
        known = {conditions.alarm_name(patterns, logical_id, stack): logical_id for logical_id in patterns}
        for when, declared in _rules(stage, "CloudWatchAlarm"):
            alarm = (declared.get("Configuration") or {}).get("AlarmName")
            if alarm not in known:
                yield PIPELINE_TEMPLATE, (
                    f"stage {stage.get('Name')!r} {when} rule {declared.get('Name')!r} watches alarm {alarm!r}, which the service "
                    f"template does not create in stack {stack} (its alarms: {', '.join(sorted(patterns)) or 'none'})"
                )


@rule("PK118", "every deployment window has a cron and time zone CodePipeline accepts", PIPELINE_TEMPLATE)
def _windows_valid(project: Project) -> Iterator[tuple[str, str]]:
    for stage in project.pipeline_stages():
        for when, declared in _rules(stage, "DeploymentWindow"):
            configuration = declared.get("Configuration") or {}
            problems = [cron_problem(str(configuration.get("Cron", "")))]
            if "TimeZone" in configuration:
                problems.append(time_zone_problem(str(configuration["TimeZone"])))
            for problem in filter(None, problems):
                yield PIPELINE_TEMPLATE, f"stage {stage.get('Name')!r} {when} rule {declared.get('Name')!r}: {problem}"


def _condition_problems(stage: dict, when: str) -> Iterator[str]:
    declared: Any = stage.get(when) or {}
    found = declared.get("Conditions") or []
    if len(found) > codepipeline_limit("ConditionList"):
        yield f"{when} has {len(found)} conditions; CodePipeline takes at most {codepipeline_limit('ConditionList')}"
    for condition in found:
        if condition.get("Result") not in RESULTS[when]:
            yield f"{when} condition result {condition.get('Result')!r} is not one of {', '.join(RESULTS[when])}"
        rules = condition.get("Rules") or []
        if not rules or len(rules) > codepipeline_limit("RuleDeclarationList"):
            yield f"{when} condition has {len(rules)} rules; CodePipeline takes 1 to {codepipeline_limit('RuleDeclarationList')}"
        rule_names = [r.get("Name") for r in rules]
        if len(set(rule_names)) != len(rule_names):
            yield f"{when} condition names a rule twice"
    if when == "OnFailure" and declared.get("Result") == "RETRY" and found:
        yield "OnFailure retries automatically and has conditions; CodePipeline allows automatic retry only without onFailure conditions"


@rule("PK119", "stage conditions are a combination CodePipeline accepts; environments roll back on failure", PIPELINE_TEMPLATE)
def _conditions_accepted(project: Project) -> Iterator[tuple[str, str]]:
    for stage in project.pipeline_stages():
        for when in RESULTS:
            for problem in _condition_problems(stage, when):
                yield PIPELINE_TEMPLATE, f"stage {stage.get('Name')!r}: {problem}"
        if layout.environment_of_stage(project.cfg, stage.get("Name")) and (stage.get("OnFailure") or {}).get("Result") != "ROLLBACK":
            yield PIPELINE_TEMPLATE, (f"stage {stage.get('Name')!r} does not roll back on failure (OnFailure Result "
                                      f"{(stage.get('OnFailure') or {}).get('Result')!r}); an environment returns to its last good release")
