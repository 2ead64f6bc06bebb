"""pipekit validate: exit 0 when clean, 1 with findings (file:line rule message), 2 for a
bad config; and the cross-template checks catch hand edits that break the setup."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from conftest import VARIANTS, example_data, write_config
from pipekit.checks import rules as consistency
from pipekit.cli import main
from pipekit.config import parse_config
from pipekit.project.render import render_all
from cfnlint.decode.cfn_yaml import loads
import yaml


def run(project, *args):
    return CliRunner().invoke(main, ["--config", str(project / "pipekit.yaml"), *args])


@pytest.fixture
def project(tmp_path):
    write_config(tmp_path, example_data())
    assert run(tmp_path, "render").exit_code == 0
    return tmp_path


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_validate_is_clean_for_every_config(tmp_path, name):
    write_config(tmp_path, VARIANTS[name]())
    assert run(tmp_path, "render").exit_code == 0
    result = run(tmp_path, "validate", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["ok"] is True and report["findings"] == []


def test_cfn_lint_finding_is_reported_with_file_line_and_rule(project):
    pipeline = project / "infra/pipeline.yaml"
    text = pipeline.read_text()
    line = text.splitlines().index("      ExecutionMode: SUPERSEDED") + 1
    pipeline.write_text(text.replace("ExecutionMode: SUPERSEDED", "ExecutionMode: EVENTUALLY"))
    result = run(project, "validate")
    assert result.exit_code == 1
    assert f"infra/pipeline.yaml:{line}:7 E3030" in result.output
    assert "EVENTUALLY" in result.output


def test_sam_transform_error_is_reported(project):
    service = project / "service/template.yaml"
    service.write_text(service.read_text().replace("AutoPublishAlias: live", "AutoPublishAlias: [live]"))
    result = run(project, "validate", "--format", "json")
    assert result.exit_code == 1
    tools = {f["tool"] for f in json.loads(result.output)["findings"]}
    assert "sam-translator" in tools


def test_a_role_renamed_by_hand_breaks_consistency(project):
    target = project / "infra/target-account.yaml"
    target.write_text(target.read_text().replace("RoleName: orders-deploy", "RoleName: orders-deployer"))
    result = run(project, "validate", "--format", "json")
    assert result.exit_code == 1
    messages = [f["message"] for f in json.loads(result.output)["findings"] if f["tool"] == "pipekit"]
    assert any("uses role 'orders-deploy', which infra/target-account.yaml does not create" in m for m in messages)


def test_a_missing_template_tells_how_to_fix_it(project):
    (project / "infra/pipeline.yaml").unlink()
    result = run(project, "validate")
    assert result.exit_code == 1
    assert "infra/pipeline.yaml" in result.output and "pipekit render" in result.output


def test_bad_config_is_exit_2(project):
    (project / "pipekit.yaml").write_text("project: Orders\n")
    assert run(project, "validate").exit_code == 2


# The consistency rules as pure functions over parsed templates.

def parsed(cfg):
    files = render_all(cfg)
    templates = {path: loads(text) for path, text in files.items() if path.endswith(".yaml")}
    parameter_files = {path: json.loads(text) for path, text in files.items() if path.endswith(".json")}
    return templates, yaml.safe_load(files["buildspec.yml"]), parameter_files


def test_consistency_is_clean_for_the_example():
    cfg = parse_config(yaml.safe_dump(example_data()))
    templates, buildspec, parameter_files = parsed(cfg)
    assert consistency.check(cfg, templates, buildspec, parameter_files) == []


def test_consistency_catches_a_stage_in_the_wrong_account():
    cfg = parse_config(yaml.safe_dump(example_data()))
    templates, buildspec, parameter_files = parsed(cfg)
    prod = templates["infra/pipeline.yaml"]["Resources"]["Pipeline"]["Properties"]["Stages"][3]
    for action in prod["Actions"]:
        if "RoleArn" in action:
            action["RoleArn"] = action["RoleArn"].replace("333333333333", "222222222222")
    problems = consistency.check(cfg, templates, buildspec, parameter_files)
    assert any("assumes a role in account 222222222222, but environment 'prod' is account 333333333333" in p.message for p in problems)


def test_consistency_catches_an_environment_without_a_stage():
    data = example_data()
    cfg = parse_config(yaml.safe_dump(data))
    templates, buildspec, parameter_files = parsed(cfg)
    stages = templates["infra/pipeline.yaml"]["Resources"]["Pipeline"]["Properties"]["Stages"]
    del stages[3]
    problems = consistency.check(cfg, templates, buildspec, parameter_files)
    assert [p.message for p in problems] == ["environment 'prod' has no pipeline stage 'Prod'"]


def test_consistency_catches_a_buildspec_that_publishes_elsewhere():
    cfg = parse_config(yaml.safe_dump(example_data()))
    templates, buildspec, parameter_files = parsed(cfg)
    buildspec["phases"]["build"]["commands"] = [
        c.replace("--output build/OrdersApi", "--output out/OrdersApi") for c in buildspec["phases"]["build"]["commands"]
    ]
    problems = consistency.check(cfg, templates, buildspec, parameter_files)
    assert [p.file for p in problems] == ["buildspec.yml"]
    assert "CodeUri ../build/OrdersApi" in problems[0].message


def test_consistency_catches_grants_to_a_whole_other_set_of_roles():
    cfg = parse_config(yaml.safe_dump(example_data()))
    templates, buildspec, parameter_files = parsed(cfg)
    key = templates["infra/build-account.yaml"]["Resources"]["ArtifactKey"]["Properties"]["KeyPolicy"]
    grant = next(s for s in key["Statement"] if "Condition" in s and "ArnEquals" in s["Condition"])
    grant["Condition"]["ArnEquals"]["aws:PrincipalArn"].append("arn:aws:iam::999999999999:role/admin")
    problems = consistency.check(cfg, templates, buildspec, parameter_files)
    assert len(problems) == 1 and "ArtifactKey grants" in problems[0].message
