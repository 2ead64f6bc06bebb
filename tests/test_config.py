"""Bad pipekit.yaml input: one clear line, the right location, exit 2, nothing written."""

from __future__ import annotations

import pytest
import yaml
from click.testing import CliRunner

from conftest import EXAMPLE, example_data, write_config
from pipekit.cli import main
from pipekit.config import parse_config
from pipekit.errors import ConfigError

EXAMPLE_TEXT = (EXAMPLE / "pipekit.yaml").read_text()


def error_for(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "pipekit.yaml")
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def test_the_example_is_valid():
    cfg = parse_config(EXAMPLE_TEXT)
    assert [e.name for e in cfg.environments] == ["dev", "prod"]
    assert cfg.environment("prod").approval == "manual"
    assert cfg.service.runtime == "dotnet10"


def test_yaml_error_names_file_line_and_column():
    text = EXAMPLE_TEXT.replace("  memory: 512", "\tmemory: 512")
    line = EXAMPLE_TEXT.splitlines().index("  memory: 512") + 1
    message = error_for(text)
    assert message.startswith(f"pipekit.yaml:{line}:1: invalid YAML")


def test_typo_names_key_path_location_and_nearest_key():
    text = EXAMPLE_TEXT.replace("  timeout: 15", "  timout: 15")
    line = EXAMPLE_TEXT.splitlines().index("  timeout: 15") + 1
    message = error_for(text)
    assert message.startswith(f"pipekit.yaml:{line}:3:")
    assert "service.timout" in message and "did you mean 'timeout'" in message


def test_wrong_value_names_what_was_expected_and_the_closest():
    message = error_for(EXAMPLE_TEXT.replace("deployment: AllAtOnce", "deployment: AllAtOnse"))
    assert "environments[0].deployment" in message
    assert "Linear10PercentEvery1Minute" in message and "did you mean 'AllAtOnce'" in message


def test_unknown_account_is_named_with_the_known_ones():
    message = error_for(EXAMPLE_TEXT.replace("account: prod", "account: prd"))
    line = EXAMPLE_TEXT.splitlines().index("    account: prod") + 1
    assert message.startswith(f"pipekit.yaml:{line}:5:")
    assert "unknown account 'prd'" in message and "build, dev, prod" in message


def test_duplicate_environment_name():
    assert "duplicate environment name 'dev'" in error_for(EXAMPLE_TEXT.replace("name: prod", "name: dev"))


@pytest.mark.parametrize("account_id", ['"12345"', '"1234567890123"', '"12345678901a"'])
def test_account_id_must_be_12_digits(account_id):
    message = error_for(EXAMPLE_TEXT.replace('"222222222222"', account_id))
    assert "accounts.dev.id" in message and "12 digits" in message


@pytest.mark.parametrize("project", ["Orders", "o", "orders-", "orders--api", "1orders", "a-very-long-project-name-x", "orders_api"])
def test_project_names_that_make_invalid_resource_names(project):
    message = error_for(EXAMPLE_TEXT.replace("project: orders", f"project: {project}"))
    assert message.startswith("pipekit.yaml:3:") and "cannot prefix AWS resource names" in message


def test_a_build_account_is_required():
    message = error_for(EXAMPLE_TEXT.replace("  build: {id", "  tools: {id"))
    assert "named 'build'" in message


def test_environment_in_the_build_account_is_refused():
    assert "build account" in error_for(EXAMPLE_TEXT.replace("account: dev", "account: build"))


def test_codeconnections_needs_a_connection_arn():
    data = example_data()
    del data["source"]["connection_arn"]
    assert "connection_arn is required" in error_for(yaml.safe_dump(data))


def test_top_level_must_be_a_mapping():
    assert "mapping" in error_for("- just\n- a list\n")


def test_cli_reports_bad_config_with_exit_2_and_writes_nothing(tmp_path):
    data = example_data()
    data["environments"][1]["account"] = "prd"
    write_config(tmp_path, data)
    result = CliRunner().invoke(main, ["--config", str(tmp_path / "pipekit.yaml"), "render"])
    assert result.exit_code == 2
    assert "unknown account 'prd'" in result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipekit.yaml"]


def test_cli_missing_config_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(main, ["--config", str(tmp_path / "nope.yaml"), "validate"])
    assert result.exit_code == 2
    assert "no such file" in result.output


def test_smoke_check_naming_an_unknown_function():
    data = example_data()
    data["service"]["hooks"] = {"smoke_checks": [{"name": "ping", "function": "Nope", "path": "/ping"}, {"name": "health", "path": "/health"}]}
    assert "unknown function 'Nope'" in error_for(yaml.safe_dump(data))


def test_a_function_without_any_smoke_check_is_refused_while_hooks_are_on():
    data = example_data()
    data["service"]["functions"].append({"name": "Worker", "project": "src/Worker/Worker.csproj", "api": False})
    message = error_for(yaml.safe_dump(data))
    assert "function Worker has no smoke check" in message and "hooks.enabled: false" in message


def test_a_smoke_check_needs_a_path_or_a_payload():
    data = example_data()
    data["service"]["hooks"] = {"smoke_checks": [{"name": "nothing"}]}
    assert "needs either path" in error_for(yaml.safe_dump(data))


def test_top_level_typo_is_reported_at_its_line_not_as_a_missing_key():
    line = EXAMPLE_TEXT.splitlines().index("environments:") + 1
    message = error_for(EXAMPLE_TEXT.replace("environments:", "enviroments:"))
    assert message == f"pipekit.yaml:{line}:1: unknown key 'enviroments'; did you mean 'environments'?"


@pytest.mark.parametrize(
    "old, new, path, nearest",
    [
        ("profile: orders-prod}", "profle: orders-prod}", "accounts.prod.profle", "profile"),  # under a dict of accounts
        ("  alarms:", "  hooks: {smoke_checks: [{name: h, pth: /h}]}\n  alarms:", "service.hooks.smoke_checks[0].pth", "path"),  # a tuple
        ("    approval: manual", "    approval: manual\n    hooks: {enable: false}", "environments[1].hooks.enable", "enabled"),  # an Optional
    ],
)
def test_typos_under_dicts_and_lists_get_the_nearest_key(old, new, path, nearest):
    message = error_for(EXAMPLE_TEXT.replace(old, new))
    assert f"unknown key {path!r}" in message and f"did you mean {nearest!r}" in message


def test_a_missing_key_says_what_was_expected():
    line = EXAMPLE_TEXT.splitlines().index("    account: prod")
    message = error_for(EXAMPLE_TEXT.replace("    account: prod\n", ""))
    assert message == (
        f"pipekit.yaml:{line}:5: environments[1].account: required key is missing (expected a key of accounts other than build)"
    )


def test_a_value_out_of_range_names_the_bound_and_the_value():
    message = error_for(EXAMPLE_TEXT.replace("  memory: 512", "  memory: 20000"))
    assert message.endswith("service.memory: Input should be less than or equal to 10240, got 20000")


@pytest.mark.parametrize("value, kind", [("2024-13-45", "timestamp"), ("!!float abc", "float"), ("1" * 5000, "int")])
def test_scalars_yaml_cannot_build_are_errors_with_their_place(value, kind):
    line = EXAMPLE_TEXT.splitlines().index("  branch: main") + 1
    message = error_for(EXAMPLE_TEXT.replace("  branch: main", f"  branch: {value}"))
    assert message.startswith(f"pipekit.yaml:{line}:11: invalid YAML: expected a valid {kind}, got ")
    assert "quote it" in message
