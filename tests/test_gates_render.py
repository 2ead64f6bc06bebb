"""Gates from pipekit.yaml to the rendered pipeline: the config's checks, the stage
conditions and triggers as CodePipeline's API model (botocore) accepts them, the
cross-template rules PK117-PK119 each failing on its own, and the preflight knowing
what the alarm rules read. No AWS."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from botocore.session import get_session
from botocore.validate import ParamValidator
from cfnlint.decode.cfn_yaml import loads as cfn_loads

from conftest import config_from, example_data
from pipekit.checks import rules
from pipekit.checks.permissions.preflight import preflight
from pipekit.checks.permissions.model import DENIED
from pipekit.config import parse_config
from pipekit.config.gates import cron_problem, time_zone_problem
from pipekit.errors import ConfigError
from pipekit.project import names
from pipekit.project.cfn_yaml import loads
from pipekit.project.render import render_all
from test_rules import project, stage

PROD_DEPLOY = "arn:aws:iam::333333333333:role/orders-deploy"


def with_gates(gates: dict[str, Any], env: str = "prod") -> dict:
    data = example_data()
    next(e for e in data["environments"] if e["name"] == env)["gates"] = gates
    return data


def config_error(data: dict) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config(yaml.safe_dump(data, sort_keys=False), "pipekit.yaml")
    return str(caught.value)


# ---------------------------------------------------------------- config


@pytest.mark.parametrize("cron, fragment", [
    ("9 0 9-16 ? * MON-THU *", "seconds field must be"),
    ("0 0 9-16 * * MON-THU *", "exactly one of day-of-month and day-of-week"),
    ("0 0 25 ? * MON-THU *", "hours: '25'"),
    ("0 0 9-16 ? * MON-FUN *", "day-of-week: 'MON-FUN'"),
    ("0 0 9-16 ? 13 MON *", "month: '13'"),
    ("0 0 9", "has 3 fields"),
])
def test_a_cron_codepipeline_would_refuse_is_named_with_its_field(cron, fragment):
    assert fragment in cron_problem(cron)


@pytest.mark.parametrize("cron", ["0 0 9-16 ? * MON-THU *", "* */15 8-18 ? * 2-6", "0 0 12 L * ? 2027", "0 0 9 ? * 6#3 *", "0 0 9 15W * ? *"])
def test_the_documented_cron_forms_are_accepted(cron):
    assert cron_problem(cron) is None


def test_time_zones_come_from_the_time_zone_database():
    assert time_zone_problem("Europe/Berlin") is None and time_zone_problem("UTC+05:30") is None
    assert "did you mean Europe/Berlin" in time_zone_problem("europe/berlin")
    assert "ambiguous" in time_zone_problem("CST")
    assert time_zone_problem("Mars/Olympus_Mons") is not None


def test_a_bad_window_in_pipekit_yaml_is_one_line_with_its_key_path():
    message = config_error(with_gates({"window": {"cron": "0 0 9-16 ? * MON-THU *", "time_zone": "Europe/Berlln"}}))
    assert "environments[1].gates.window.time_zone" in message and "Europe/Berlln" in message and "\n" not in message


def test_more_entry_rules_than_a_condition_holds_is_refused():
    gates = {"entry_alarms": ["A1", "A2", "A3", "A4", "A5"], "window": {"cron": "0 0 9 ? * MON *"}}
    assert "6 entry rules" in config_error(with_gates(gates)) and "at most 5" in config_error(with_gates(gates))


def test_path_filters_need_a_codeconnections_source():
    data = example_data()
    data["source"] = {"provider": "codecommit", "repository": "orders", "branch": "main", "ignore_paths": ["docs/**"]}
    assert "CodeConnections sources only" in config_error(data)


# ---------------------------------------------------------------- rendering


@pytest.fixture(scope="module")
def rendered():
    cfg = config_from(example_data())
    files = render_all(cfg)
    return cfg, files, loads(files[names.PIPELINE_TEMPLATE])


def _stages(template: dict) -> dict[str, dict]:
    return {s["Name"]: s for s in template["Resources"]["Pipeline"]["Properties"]["Stages"]}


def test_prod_entry_is_gated_by_its_alarm_read_as_prods_deployment_role_and_by_the_window(rendered):
    prod = _stages(rendered[2])["Prod"]
    condition = prod["BeforeEntry"]["Conditions"][0]
    assert condition["Result"] == "FAIL"
    alarm, window = condition["Rules"]
    assert alarm["RuleTypeId"]["Provider"] == "CloudWatchAlarm"
    assert alarm["Configuration"] == {"AlarmName": "orders-svc-prod-api-5xx", "AlarmStates": "ALARM"}
    assert alarm["RoleArn"] == PROD_DEPLOY and alarm["Region"] == "eu-west-1"
    assert window["Configuration"] == {"Cron": "0 * 9-16 ? * MON-THU *", "TimeZone": "Europe/Berlin"}


def test_prod_bakes_over_its_alarms_and_rolls_back(rendered):
    prod = _stages(rendered[2])["Prod"]
    condition = prod["OnSuccess"]["Conditions"][0]
    assert condition["Result"] == "ROLLBACK"
    assert [(r["Configuration"]["AlarmName"], r["Configuration"]["WaitTime"]) for r in condition["Rules"]] == [
        ("orders-svc-prod-api-5xx", "30"), ("orders-svc-prod-OrdersApi-new-version-errors", "30")]


def test_only_the_build_retries_and_ungated_dev_has_no_conditions(rendered):
    stages = _stages(rendered[2])
    assert stages["Build"]["OnFailure"] == {"Result": "RETRY", "RetryConfiguration": {"RetryMode": "FAILED_ACTIONS"}}
    assert stages["Dev"]["OnFailure"] == stages["Prod"]["OnFailure"] == {"Result": "ROLLBACK"}
    assert "BeforeEntry" not in stages["Dev"] and "OnSuccess" not in stages["Dev"]


def test_docs_only_pushes_do_not_start_the_pipeline(rendered):
    trigger = rendered[2]["Resources"]["Pipeline"]["Properties"]["Triggers"][0]
    push = trigger["GitConfiguration"]["Push"][0]
    assert push["Branches"] == {"Includes": ["main"]}
    assert push["FilePaths"] == {"Excludes": ["docs/**", "**/*.md"]}


def _api(value: Any, under_configuration: bool = False) -> Any:
    """CloudFormation's PascalCase pipeline as the API's camelCase; intrinsics as strings.
    Configuration maps keep their keys (they are the action's or rule's own)."""
    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value)).startswith(("Ref", "Fn::")):
            return "resolved-" + next(iter(value))
        if under_configuration:
            return {k: _api(v) for k, v in value.items()}
        return {k[:1].lower() + k[1:]: _api(v, k == "Configuration") for k, v in value.items()}
    if isinstance(value, list):
        return [_api(v) for v in value]
    return str(value) if isinstance(value, (int, bool)) and under_configuration else value


def _enum_errors(value: Any, shape: Any, path: str = "") -> list[str]:
    """botocore's validator leaves enums to the service; check them against the model too."""
    if shape.type_name == "structure" and isinstance(value, dict):
        return [e for k, v in value.items() if k in shape.members for e in _enum_errors(v, shape.members[k], f"{path}.{k}")]
    if shape.type_name == "list" and isinstance(value, list):
        return [e for i, v in enumerate(value) for e in _enum_errors(v, shape.member, f"{path}[{i}]")]
    if shape.type_name == "map" and isinstance(value, dict):
        return [e for k, v in value.items() for e in _enum_errors(v, shape.value, f"{path}.{k}")]
    enum = getattr(shape, "enum", None)
    return [f"{path}: {value!r} not in {enum}"] if enum and value not in enum else []


def test_stages_and_triggers_are_shapes_of_botocores_codepipeline_model(rendered):
    props = rendered[2]["Resources"]["Pipeline"]["Properties"]
    declaration = {
        "name": "orders-pipeline", "roleArn": "arn:aws:iam::111111111111:role/orders-pipeline",
        "artifactStore": {"type": "S3", "location": "bucket"}, "pipelineType": "V2",
        "stages": _api(props["Stages"]), "triggers": _api(props["Triggers"]),
    }
    shape = get_session().get_service_model("codepipeline").shape_for("PipelineDeclaration")
    report = ParamValidator().validate(declaration, shape)
    assert not report.has_errors(), report.generate_report()
    assert _enum_errors(declaration, shape) == []
    # Both checks can fail: a result the model does not know, a key it does not have.
    broken = copy.deepcopy(declaration)
    broken["stages"][3]["onSuccess"]["conditions"][0]["result"] = "PAUSE"
    assert _enum_errors(broken, shape) == [".stages[3].onSuccess.conditions[0].result: 'PAUSE' not in ['ROLLBACK', 'FAIL', 'RETRY', 'SKIP']"]
    broken["stages"][3]["beforeEntry"]["conditions"][0]["rules"][0]["waitTime"] = "30"
    assert "Unknown parameter in stages[3].beforeEntry.conditions[0].rules[0]" in ParamValidator().validate(broken, shape).generate_report()


# ---------------------------------------------------------------- validate's rules


def only(p: rules.Project) -> list[str]:
    return sorted({problem.rule for problem in rules.check(p)})


def test_pk117_an_alarm_the_service_does_not_create():
    p = project()
    stage(p, "Prod")["BeforeEntry"]["Conditions"][0]["Rules"][0]["Configuration"]["AlarmName"] = "orders-svc-prod-api-5xxx"
    assert only(p) == ["PK117"]


def test_pk117_an_alarm_named_in_pipekit_yaml_that_the_template_lacks():
    cfg = config_from(with_gates({"entry_alarms": ["Api4xxAlarm"]}))
    files = render_all(cfg)
    templates = {path: loads(text) for path, text in files.items() if path.startswith(("infra/", "service/template"))}
    problems = [pr for pr in rules.check(rules.Project(cfg, templates, None, {})) if pr.rule == "PK117"]
    assert len(problems) == 1 and "Api4xxAlarm" in problems[0].message and "Api5xxAlarm" in problems[0].message


def test_pk118_a_hand_edited_window():
    p = project()
    stage(p, "Prod")["BeforeEntry"]["Conditions"][0]["Rules"][1]["Configuration"]["TimeZone"] = "Berlin"
    assert only(p) == ["PK118"]


def test_pk119_automatic_retry_with_onfailure_conditions():
    p = project()
    build = stage(p, "Build")
    build["OnFailure"]["Conditions"] = [{"Result": "ROLLBACK", "Rules": [{"Name": "W", "RuleTypeId": {"Provider": "DeploymentWindow"},
                                                                          "Configuration": {"Cron": "0 0 9 ? * MON *"}}]}]
    assert only(p) == ["PK119"]


def test_pk119_an_environment_that_retries_instead_of_rolling_back():
    p = project()
    stage(p, "Dev")["OnFailure"] = {"Result": "RETRY", "RetryConfiguration": {"RetryMode": "FAILED_ACTIONS"}}
    assert only(p) == ["PK119"]


def test_pk119_an_entry_result_codepipeline_does_not_offer():
    p = project()
    stage(p, "Prod")["BeforeEntry"]["Conditions"][0]["Result"] = "ROLLBACK"
    assert only(p) == ["PK119"]


# ---------------------------------------------------------------- the permission preflight


def test_the_deployment_role_must_read_the_alarms_its_gates_watch():
    cfg = config_from(example_data())
    files = render_all(cfg)
    templates = {rel: cfn_loads(files[rel]) for rel in names.CLOUDFORMATION_TEMPLATES}
    assert not [f for f in preflight(templates, cfg) if f.action == "cloudwatch:DescribeAlarms"]
    role = templates[names.TARGET_ACCOUNT_TEMPLATE]["Resources"]["DeploymentRole"]["Properties"]
    document = role["Policies"][0]["PolicyDocument"]
    document["Statement"] = [s for s in document["Statement"] if s.get("Sid") != "ReadGateAlarms"]
    found = [f for f in preflight(templates, cfg) if f.action == "cloudwatch:DescribeAlarms"]
    assert {f.rule for f in found} == {DENIED} and {f.principal for f in found} == {PROD_DEPLOY}
    assert {f.resource for f in found} == {
        "arn:aws:cloudwatch:eu-west-1:333333333333:alarm:orders-svc-prod-api-5xx",
        "arn:aws:cloudwatch:eu-west-1:333333333333:alarm:orders-svc-prod-OrdersApi-new-version-errors"}
