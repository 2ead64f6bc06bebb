"""pipekit schema (the JSON Schema of pipekit.yaml from the pydantic models, kept by
render where pipekit.yaml's yaml-language-server line points) and pipekit completion
(click's completion scripts, which ask pipekit itself)."""

from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner

from conftest import example_data, write_config
from pipekit.cli import COMMANDS, main
from pipekit.cli.options import FAIL_ON
from pipekit.config import DEPLOYMENT_TYPES, Config
from pipekit.config.schema import MODELINE, SCHEMA_PATH
from test_cli import STARTER_OPTIONS


def schema() -> dict:
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_the_schema_is_the_models():
    document = schema()
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    keys = {field.alias or name for name, field in Config.model_fields.items()}
    assert set(document["properties"]) == keys and "validate" in keys
    assert document["additionalProperties"] is False  # an editor flags a typo such as enviroments:
    assert set(document["required"]) == {name for name, field in Config.model_fields.items() if field.is_required()}
    environment = document["$defs"]["Environment"]
    assert environment["properties"]["deployment"]["enum"] == list(DEPLOYMENT_TYPES)
    assert environment["additionalProperties"] is False


def test_every_key_of_the_example_is_in_the_schema():
    document = schema()
    data = example_data()
    assert set(data) <= set(document["properties"])
    assert set(data["environments"][0]) <= set(document["$defs"]["Environment"]["properties"])


def test_output_writes_the_same_schema(tmp_path):
    target = tmp_path / "pipekit.schema.json"
    assert CliRunner().invoke(main, ["schema", "--output", str(target)]).exit_code == 0
    assert json.loads(target.read_text()) == schema()


def test_render_keeps_the_schema_where_pipekit_yaml_points(tmp_path):
    write_config(tmp_path, example_data())
    assert CliRunner().invoke(main, ["--config", str(tmp_path / "pipekit.yaml"), "render"]).exit_code == 0
    assert json.loads((tmp_path / SCHEMA_PATH).read_text()) == schema()
    assert MODELINE == f"# yaml-language-server: $schema={SCHEMA_PATH}"


def test_the_files_pipekit_writes_name_the_schema(tmp_path):
    starter = tmp_path / "payments"
    assert CliRunner().invoke(main, ["init", str(starter), *STARTER_OPTIONS]).exit_code == 0
    example = tmp_path / "orders"
    assert CliRunner().invoke(main, ["init", "--example", "dotnet-service", str(example)]).exit_code == 0
    for project in (starter, example):
        text = (project / "pipekit.yaml").read_text()
        assert text.splitlines()[0] == MODELINE
        assert (project / SCHEMA_PATH).is_file()  # the path is relative to pipekit.yaml


@pytest.mark.parametrize("shell, marker", [
    ("bash", "complete -o nosort -F _pipekit_completion pipekit"),
    ("zsh", "compdef _pipekit_completion pipekit"),
    ("fish", "complete --no-files --command pipekit"),
])
def test_completion_scripts(shell, marker):
    result = CliRunner().invoke(main, ["completion", shell])
    assert result.exit_code == 0 and marker in result.output and "_PIPEKIT_COMPLETE" in result.output


def complete(words: str) -> list[str]:
    env = {"_PIPEKIT_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1))}
    result = CliRunner().invoke(main, [], env=env, prog_name="pipekit")
    return [line.split(",", 1)[1] for line in result.output.splitlines()]


def test_completion_answers_from_pipekit_itself():
    assert complete("pipekit ") == list(COMMANDS)
    assert complete("pipekit dep") == ["deploy"]
    assert "--fail-on" in complete("pipekit deploy --fa")
    assert complete("pipekit deploy --fail-on ") == list(FAIL_ON)


def test_an_unknown_shell_is_a_usage_error():
    result = CliRunner().invoke(main, ["completion", "powershell"])
    assert result.exit_code == 2 and "'powershell' is not one of 'bash', 'zsh', 'fish'" in result.output
