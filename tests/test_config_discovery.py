"""Which pipekit.yaml a command uses: --config FILE, --config DIR, or the nearest one in
the current folder or above it (as git finds its repository)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from conftest import example_data, write_config
from pipekit.cli import main


def rendered_into(result) -> set[str]:
    assert result.exit_code == 0, result.output
    return {f["path"] for f in json.loads(result.output)["files"]}


def test_a_command_in_a_subfolder_finds_the_projects_config(tmp_path, monkeypatch):
    root = tmp_path / "orders"
    write_config(root, example_data())
    (root / "src" / "OrdersApi").mkdir(parents=True)
    monkeypatch.chdir(root / "src" / "OrdersApi")
    result = CliRunner().invoke(main, ["render", "--format", "json"])
    assert "infra/pipeline.yaml" in rendered_into(result)
    assert (root / "infra" / "pipeline.yaml").is_file()  # the project folder is the config's, not the current one
    assert not (root / "src" / "OrdersApi" / "infra").exists()


def test_the_nearest_config_wins(tmp_path, monkeypatch):
    write_config(tmp_path / "outer", example_data())
    inner = example_data()
    inner["project"] = "inner"
    write_config(tmp_path / "outer" / "inner", inner)
    (tmp_path / "outer" / "inner" / "deep").mkdir()
    monkeypatch.chdir(tmp_path / "outer" / "inner" / "deep")
    result = CliRunner().invoke(main, ["deploy", "--account", "build", "--dry-run"])
    assert result.exit_code == 2  # nothing rendered yet, and it looked in inner/, not outer/
    assert result.output.strip() == f"error: {tmp_path / 'outer' / 'inner' / 'infra' / 'build-account.yaml'}: not found (run `pipekit render` first)"


def test_config_may_name_the_folder(tmp_path, monkeypatch):
    write_config(tmp_path / "orders", example_data())
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["--config", "orders", "render", "--format", "json"])
    assert "infra/pipeline.yaml" in rendered_into(result)
    assert (tmp_path / "orders" / "infra" / "pipeline.yaml").is_file()


def test_no_config_anywhere_says_so_in_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["render"])
    assert result.exit_code == 2
    assert "pipekit.yaml: no such file" in result.output and "Traceback" not in result.output
