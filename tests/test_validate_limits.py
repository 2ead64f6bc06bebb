"""validate reports a template past CloudFormation's limits (size from S3, resources,
parameters, outputs; the service template also after the SAM transform), with the
numbers from cfn-lint's data."""

from __future__ import annotations

import json

import yaml
from click.testing import CliRunner

from conftest import example_data, write_config
from pipekit.checks.limits import limit_findings
from pipekit.cli import main


def template(resources=1, parameters=0, outputs=0) -> dict:
    return {
        "Parameters": {f"P{n}": {"Type": "String"} for n in range(parameters)},
        "Resources": {f"Topic{n}": {"Type": "AWS::SNS::Topic"} for n in range(resources)},
        "Outputs": {f"O{n}": {"Value": "x"} for n in range(outputs)},
    }


def messages(rel, document, text=None, transformed=None):
    return [f.message for f in limit_findings(rel, text if text is not None else json.dumps(document), document, transformed)]


def test_at_the_limits_nothing_is_reported():
    assert messages("t.yaml", template(500, 200, 200)) == []


def test_one_past_each_limit_is_reported():
    found = messages("t.yaml", template(501, 201, 201))
    assert [m.split(";")[0] for m in found] == ["501 resources", "201 parameters", "201 outputs"]
    assert "at most 500 in one template" in found[0]


def test_the_size_from_s3_is_a_megabyte():
    small = template()
    assert messages("t.yaml", small, text="x" * 1_000_000) == []
    assert messages("t.yaml", small, text="x" * 1_000_001) == [
        "the template is 1,000,001 bytes; CloudFormation takes at most 1,000,000 bytes (from S3) (split the service, or fewer environments per pipeline)"]


def test_the_service_template_is_counted_after_the_sam_transform_too():
    assert messages("service/template.yaml", template(3), transformed=template(501))[0].startswith("501 resources after the SAM transform;")


def test_validate_reports_a_rendered_template_past_a_limit(tmp_path):
    root = tmp_path / "orders"
    write_config(root, example_data())
    config = ["--config", str(root / "pipekit.yaml")]
    assert CliRunner().invoke(main, [*config, "render"]).exit_code == 0
    clean = CliRunner().invoke(main, [*config, "validate", "--only", "rules", "--format", "json"])
    assert "limits" not in clean.output
    path = root / "infra" / "build-account.yaml"
    text = path.read_text()
    assert text.rstrip().splitlines()[-1].startswith("      Name: ")  # Outputs is the last section: add to it
    path.write_text(text.rstrip() + "\n" + "".join(f"  Extra{n}:\n    Value: x\n" for n in range(201)))
    result = CliRunner().invoke(main, [*config, "validate", "--only", "rules", "--format", "json"])
    assert result.exit_code == 1
    found = [f for f in json.loads(result.output)["findings"] if f["rule"] == "limits"]
    outputs = len(yaml.load(path.read_text(), Loader=yaml.BaseLoader)["Outputs"])
    assert outputs > 201 and [(f["file"], f["message"].split(";")[0]) for f in found] == [("infra/build-account.yaml", f"{outputs} outputs")]
