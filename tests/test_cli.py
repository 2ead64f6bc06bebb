"""The command line as a user meets it: init, --help, --version, python -m pipekit."""

from __future__ import annotations

import json
import subprocess
import sys

import yaml
from click.testing import CliRunner

from pipekit import __version__
from pipekit.cli import main

STARTER_OPTIONS = [
    "--region", "eu-central-1",
    "--build-account", "111111111111",
    "--dev-account", "222222222222",
    "--prod-account", "333333333333",
    "--repository", "acme/payments",
    "--connection-arn", "arn:aws:codeconnections:eu-central-1:111111111111:connection/abc-123",
]


def invoke(*args, **kwargs):
    return CliRunner().invoke(main, list(args), **kwargs)


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0 and __version__ in result.output


def test_python_dash_m_runs_the_cli():
    completed = subprocess.run([sys.executable, "-m", "pipekit", "--version"], capture_output=True, text=True)
    assert completed.returncode == 0 and __version__ in completed.stdout


def test_help_lists_commands_and_imports_no_heavy_module():
    code = (
        "import sys\n"
        "from pipekit.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print('HEAVY=' + ','.join(m for m in ('boto3', 'botocore', 'cfnlint', 'moto', 'samtranslator', 'pydantic') if m in sys.modules))\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "HEAVY=\n" in completed.stdout or completed.stdout.rstrip().endswith("HEAVY=")
    for command in ("init", "render", "validate"):
        assert command in completed.stdout


def test_init_from_the_example_renders_a_valid_project(tmp_path):
    target = tmp_path / "orders"
    result = invoke("init", "--example", "dotnet-service", str(target), "--format", "json")
    assert result.exit_code == 0, result.output
    assert (target / "src/OrdersApi/Program.cs").is_file()
    assert (target / "infra/pipeline.yaml").is_file()
    assert {f["outcome"] for f in json.loads(result.output)["files"]} == {"created"}  # a new folder: everything in it is new
    assert not (target / "build").exists()
    validated = invoke("--config", str(target / "pipekit.yaml"), "validate")
    assert validated.exit_code == 0, validated.output


def test_init_example_with_another_project_name(tmp_path):
    target = tmp_path / "shop"
    result = invoke("init", "--example", "dotnet-service", str(target), "--project", "shop-orders")
    assert result.exit_code == 0, result.output
    assert yaml.safe_load((target / "pipekit.yaml").read_text())["project"] == "shop-orders"
    assert "RoleName: shop-orders-deploy" in (target / "infra/target-account.yaml").read_text()


def test_init_starter_from_options(tmp_path):
    target = tmp_path / "payments"
    result = invoke("init", str(target), *STARTER_OPTIONS)
    assert result.exit_code == 0, result.output
    text = (target / "pipekit.yaml").read_text()
    assert text.splitlines()[1].startswith("# pipekit.yaml")  # commented starter, under the editor's schema line
    data = yaml.safe_load(text)
    assert data["project"] == "payments" and data["region"] == "eu-central-1"
    assert data["build"]["projects"] == ["src/PaymentsApi/PaymentsApi.csproj"]
    assert "created" in result.output and "infra/pipeline.yaml" in result.output


def test_init_starter_prompts_on_a_terminal(tmp_path, monkeypatch):
    answers = "\n".join(["eu-west-1", "111111111111", "222222222222", "333333333333", "acme/billing", "arn:aws:codeconnections:eu-west-1:111111111111:connection/x1"]) + "\n"
    monkeypatch.setattr("pipekit.cli.app.Application.can_ask", staticmethod(lambda: True))
    result = CliRunner().invoke(main, ["init", str(tmp_path / "billing")], input=answers)
    assert result.exit_code == 0, result.output
    assert "Build account id" in result.output
    assert yaml.safe_load((tmp_path / "billing/pipekit.yaml").read_text())["accounts"]["prod"]["id"] == "333333333333"


def test_init_without_terminal_lists_what_is_missing(tmp_path):
    result = invoke("init", str(tmp_path / "payments"), "--region", "eu-west-1")
    assert result.exit_code == 2
    assert "--build-account" in result.output and "--region" not in result.output.split("missing")[1]
    assert not (tmp_path / "payments").exists()


def test_init_refuses_a_folder_that_has_something(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    result = invoke("init", "--example", "dotnet-service", str(tmp_path))
    assert result.exit_code == 2 and "not empty" in result.output
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_init_with_a_bad_project_name_writes_nothing(tmp_path):
    result = invoke("init", str(tmp_path / "x"), *STARTER_OPTIONS, "--project", "Bad_Name")
    assert result.exit_code == 2 and "cannot prefix AWS resource names" in result.output
    assert not (tmp_path / "x").exists()


def test_init_unknown_example(tmp_path):
    result = invoke("init", "--example", "java-service", str(tmp_path / "x"))
    assert result.exit_code == 2 and "available: dotnet-service" in result.output
