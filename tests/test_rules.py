"""pipekit's cross-template rules, each shown failing on its own: a hand edit of the
rendered files that breaks exactly what the rule is named for, and nothing else."""

from __future__ import annotations

import copy
import json
from functools import lru_cache

import pytest
import yaml

from conftest import config_from, example_data, three_environments
from pipekit.checks import rules
from pipekit.project.cfn_yaml import loads
from pipekit.project.render import render_all

PIPELINE, TARGET, BUILD, SERVICE = "infra/pipeline.yaml", "infra/target-account.yaml", "infra/build-account.yaml", "service/template.yaml"


@lru_cache(maxsize=None)
def _rendered(variant: str):
    cfg = config_from(three_environments() if variant == "three" else example_data())
    files = render_all(cfg)
    templates = {path: loads(text) for path, text in files.items() if path.startswith(("infra/", "service/template"))}
    parameter_files = {path: json.loads(text) for path, text in files.items() if path.endswith(".json")}
    return cfg, templates, yaml.safe_load(files["buildspec.yml"]), parameter_files


def project(variant: str = "example") -> rules.Project:
    cfg, templates, buildspec, parameter_files = _rendered(variant)
    return rules.Project(cfg, copy.deepcopy(templates), copy.deepcopy(buildspec), copy.deepcopy(parameter_files))


def stage(p: rules.Project, name: str) -> dict:
    return next(s for s in p.pipeline_stages() if s["Name"] == name)


def only(p: rules.Project) -> rules.Problem:
    problems = rules.check(p)
    assert len(problems) == 1, problems
    return problems[0]


@pytest.mark.parametrize("variant", ["example", "three"])
def test_rendered_files_break_no_rule(variant):
    assert rules.check(project(variant)) == []


def test_every_rule_has_an_id_a_title_and_a_documented_section():
    docs = open("docs/validate.md").read().lower()
    ids = [r.id for r in rules.RULES]
    assert len(ids) == len(set(ids))
    for r in rules.RULES:
        assert r.title and f'<a id="{r.id.lower()}"></a>' in docs, f"{r.id} is not documented in docs/validate.md"


def test_pk101_an_environment_without_a_stage():
    p = project()
    p.pipeline_stages().remove(stage(p, "Prod"))
    assert only(p) == rules.Problem("PK101", PIPELINE, "environment 'prod' has no pipeline stage 'Prod'")


def test_pk102_a_stage_that_skips_its_approval():
    p = project()
    actions = stage(p, "Prod")["Actions"]
    actions.remove(next(a for a in actions if a["Name"] == "Approve"))
    problem = only(p)
    assert problem.rule == "PK102" and "'Prod' runs ['CreateChangeSet', 'ReviewChangeSet', 'ExecuteChangeSet']" in problem.message


def test_pk103_a_stage_in_the_wrong_account():
    p = project()
    for action in stage(p, "Prod")["Actions"]:
        if "RoleArn" in action:
            action["RoleArn"] = action["RoleArn"].replace("333333333333", "222222222222")
    problems = rules.check(p)
    assert {x.rule for x in problems} == {"PK103"}
    assert "assumes a role in account 222222222222, but environment 'prod' is account 333333333333" in problems[0].message


def test_pk104_a_role_the_target_stack_does_not_create():
    p = project()
    p.templates[TARGET]["Resources"]["ExecutionRole"]["Properties"]["RoleName"] = "orders-cfn-runner"
    problems = rules.check(p)
    assert {x.rule for x in problems} == {"PK104"}
    assert "uses role 'orders-cfn-exec', which infra/target-account.yaml does not create" in problems[0].message


def test_pk105_a_deployment_role_that_trusts_more_than_the_pipeline():
    p = project()
    trust = p.templates[TARGET]["Resources"]["DeploymentRole"]["Properties"]["AssumeRolePolicyDocument"]
    trust["Statement"][0]["Principal"]["AWS"] = ["arn:aws:iam::111111111111:role/orders-pipeline", "arn:aws:iam::111111111111:root"]
    assert only(p).rule == "PK105"


def test_pk105_the_build_account_trusted_without_narrowing_to_the_pipeline_role():
    p = project()
    statement = p.templates[TARGET]["Resources"]["DeploymentRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
    assert statement["Principal"]["AWS"] == "arn:aws:iam::111111111111:root"  # the role may not exist yet
    del statement["Condition"]  # any principal of the build account could assume it
    assert only(p).rule == "PK105"


def test_pk106_a_review_role_that_trusts_someone_else():
    p = project()
    trust = p.templates[TARGET]["Resources"]["ReviewRole"]["Properties"]["AssumeRolePolicyDocument"]
    trust["Statement"][0]["Principal"]["AWS"] = "arn:aws:iam::999999999999:root"
    problem = only(p)
    assert problem.rule == "PK106" and "999999999999" in problem.message


def test_pk107_grants_to_another_set_of_roles():
    p = project()
    key = p.templates[BUILD]["Resources"]["ArtifactKey"]["Properties"]["KeyPolicy"]
    grant = next(s for s in key["Statement"] if "ArnEquals" in (s.get("Condition") or {}))
    grant["Condition"]["ArnEquals"]["aws:PrincipalArn"].append("arn:aws:iam::999999999999:role/admin")
    problem = only(p)
    assert problem.rule == "PK107" and "ArtifactKey grants" in problem.message


def test_pk108_a_parameter_file_the_build_does_not_hand_over():
    p = project()
    p.buildspec["artifacts"]["files"].remove("service/environments/prod.json")
    problem = only(p)
    assert (problem.rule, problem.file) == ("PK108", "buildspec.yml") and "service/environments/prod.json" in problem.message


def test_pk109_a_missing_parameter_file():
    p = project()
    p.parameter_files["service/environments/dev.json"] = None
    problem = only(p)
    assert (problem.rule, problem.file) == ("PK109", "service/environments/dev.json")


def test_pk110_an_unknown_parameter():
    p = project()
    p.parameter_files["service/environments/dev.json"]["Parameters"]["Colour"] = "blue"
    problem = only(p)
    assert problem.rule == "PK110" and "'Colour'" in problem.message


def test_pk111_a_value_outside_allowed_values():
    p = project()
    p.parameter_files["service/environments/prod.json"]["Parameters"]["DeploymentType"] = "Canary50Percent1Minute"
    problem = only(p)
    assert problem.rule == "PK111" and "DeploymentType='Canary50Percent1Minute'" in problem.message


def test_pk112_tests_reading_an_output_the_service_lacks():
    p = project()
    del p.templates[SERVICE]["Outputs"]["ApiUrl"]
    problem = only(p)
    assert problem.rule == "PK112" and "reads output 'ApiUrl'" in problem.message


def test_pk113_a_buildspec_that_publishes_elsewhere():
    p = project()
    commands = p.buildspec["phases"]["build"]["commands"]
    p.buildspec["phases"]["build"]["commands"] = [c.replace("--output build/OrdersApi", "--output out/OrdersApi") for c in commands]
    problem = only(p)
    assert (problem.rule, problem.file) == ("PK113", "buildspec.yml") and "CodeUri ../build/OrdersApi" in problem.message


def _drop_commands(p: rules.Project, fragment: str) -> None:
    for phase in p.buildspec["phases"].values():
        phase["commands"] = [c for c in phase.get("commands", []) if fragment not in c]


def test_pk114_a_build_that_does_not_package_the_template():
    p = project()
    _drop_commands(p, "--template-file service/template.yaml")
    assert only(p).rule == "PK114"


def test_pk115_a_build_that_keeps_the_packaged_template():
    p = project()
    p.buildspec["artifacts"]["files"].remove("packaged.yaml")
    assert only(p).rule == "PK115"


def test_pk116_a_unit_test_project_that_is_not_run():
    p = project()
    _drop_commands(p, "dotnet test")
    problem = only(p)
    assert problem.rule == "PK116" and "OrdersApi.Tests" in problem.message


def test_a_suppressed_rule_reports_nothing():
    p = project()
    p.buildspec["artifacts"]["files"].remove("packaged.yaml")
    assert rules.check(p, suppressed=frozenset({"PK115"})) == []
