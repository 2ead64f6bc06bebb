"""pipekit validate: exit 0 when clean, 1 with findings (file:line rule message), 2 for a
bad config; and the cross-template checks catch hand edits that break the setup."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from conftest import VARIANTS, example_data, write_config, write_skeleton
from pipekit.cli import main


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
    write_skeleton(tmp_path, VARIANTS[name]())  # the .NET projects it names (validate reports missing ones)
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
    assert {f["rule"] for f in json.loads(result.output)["findings"] if f["tool"] == "pipekit"} >= {"PK104"}


def test_a_missing_template_tells_how_to_fix_it(project):
    (project / "infra/pipeline.yaml").unlink()
    result = run(project, "validate")
    assert result.exit_code == 1
    assert "infra/pipeline.yaml" in result.output and "pipekit render" in result.output


def test_bad_config_is_exit_2(project):
    (project / "pipekit.yaml").write_text("project: Orders\n")
    assert run(project, "validate").exit_code == 2



def test_a_resource_the_execution_role_cannot_create_fails_validate(project):
    service = project / "service/template.yaml"
    service.write_text(service.read_text().replace("\nResources:\n", "\nResources:\n  Jobs:\n    Type: AWS::SQS::Queue\n", 1))
    result = run(project, "validate", "--only", "permissions", "--format", "json")
    assert result.exit_code == 1
    denied = [f for f in json.loads(result.output)["findings"] if f["rule"] == "PK-PERM-DENIED"]
    assert any("orders-cfn-exec cannot sqs:CreateQueue" in f["message"] for f in denied)
    assert all(f["fix"] for f in denied)
    text = run(project, "validate", "--only", "permissions").output
    assert '  fix: {"Effect": "Allow", "Action": "sqs:CreateQueue"' in text


def test_only_runs_the_checks_it_names(project):
    pipeline = project / "infra/pipeline.yaml"
    pipeline.write_text(pipeline.read_text().replace("ExecutionMode: SUPERSEDED", "ExecutionMode: EVENTUALLY"))
    assert run(project, "validate", "--only", "permissions").exit_code == 0
    assert run(project, "validate", "--only", "cfn-lint").exit_code == 1


def test_a_suppressed_rule_is_accepted_with_its_reason(project):
    pipeline = project / "infra/pipeline.yaml"
    pipeline.write_text(pipeline.read_text().replace("ExecutionMode: SUPERSEDED", "ExecutionMode: EVENTUALLY"))
    data = example_data()
    data["validate"] = {"suppress": [{"rule": "E3030", "reason": "trying out a mode cfn-lint does not know yet"}]}
    write_config(project, data)
    result = run(project, "validate", "--only", "cfn-lint", "--format", "json")
    report = json.loads(result.output)
    assert result.exit_code == 0 and report["findings"] == []
    assert report["suppressed"] == [{"rule": "E3030", "reason": "trying out a mode cfn-lint does not know yet", "findings": 1}]
    text = run(project, "validate", "--only", "cfn-lint")
    assert "suppressed E3030 (1 findings): trying out a mode" in text.output


def test_a_suppression_needs_a_reason(project):
    data = example_data()
    data["validate"] = {"suppress": [{"rule": "PK105"}]}
    write_config(project, data)
    result = run(project, "validate")
    assert result.exit_code == 2 and "reason" in result.output
