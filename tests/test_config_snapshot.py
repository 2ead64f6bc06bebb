"""A validated pipekit.yaml is kept (config/snapshot.py) and read back as plain objects
(config/plain.py) that behave as the pydantic models do, without importing pydantic."""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from conftest import REPO, VARIANTS, example_data, write_config
from pipekit.config import snapshot
from pipekit.config.load import load_config
from pipekit.config.parse import parse_config
from pipekit.config.plain import Plain, from_data, to_data
from pipekit.errors import ConfigError
from pipekit.project.render import render_all


def with_hook_override(data: dict) -> dict:
    data["service"]["hooks"] = {"smoke_checks": [{"name": "health", "path": "/health", "expect_json": {"status": "ok", "db": None}}]}
    data["environments"][1]["hooks"] = {"time_budget_seconds": 90, "smoke_checks": [{"name": "ping", "function": "OrdersApi", "payload": {"ping": True}, "expect_result": "pong"}]}
    return data


@pytest.mark.parametrize("name", [*sorted(VARIANTS), "hook-override"])
def test_plain_config_renders_every_file_as_the_models_do(tmp_path, name):
    data = with_hook_override(example_data()) if name == "hook-override" else copy.deepcopy(VARIANTS[name]())
    path = write_config(tmp_path, data)
    validated = parse_config(path.read_text())
    loaded = load_config(path)  # validated now, plain objects
    again = load_config(path)  # read back from the snapshot
    assert isinstance(loaded, Plain) and isinstance(again, Plain)
    assert render_all(loaded) == render_all(validated)
    assert render_all(again) == render_all(validated)
    assert to_data(again) == to_data(validated)


def test_behaviour_is_the_models_behaviour(tmp_path):
    path = write_config(tmp_path, with_hook_override(example_data()))
    validated, plain = parse_config(path.read_text()), load_config(path)
    prod_models, prod_plain = validated.environment("prod"), plain.environment("prod")
    assert prod_plain.title == prod_models.title == "Prod"
    assert to_data(prod_plain.effective_hooks(plain.service.hooks)) == to_data(prod_models.effective_hooks(validated.service.hooks))
    assert prod_plain.effective_hooks(plain.service.hooks).time_budget_seconds == 90
    assert plain.service.hooks.settings() == validated.service.hooks.settings()
    assert plain.service.functions[0].assembly == "OrdersApi" and plain.service.runtime_dotnet_version == "10.0"
    assert plain.target_accounts == validated.target_accounts == ["dev", "prod"]
    assert plain.build_account_id == "111111111111"
    with pytest.raises(KeyError):
        plain.environment("qa")


def test_plain_objects_are_read_only_and_compare_by_value(tmp_path):
    path = write_config(tmp_path, example_data())
    first, second = load_config(path), load_config(path)
    with pytest.raises(AttributeError):
        first.project = "other"
    with pytest.raises(AttributeError):
        first.no_such_field
    assert first == second and first.environments[0] == second.environments[0]
    assert first.environments[0] != first.environments[1]
    assert copy.deepcopy(first) == first
    assert first.service.alarms.replaced({"errors_threshold": 5}).errors_threshold == 5
    assert first.service.alarms.errors_threshold == 1


def test_the_data_form_keeps_tuples_dicts_and_user_values_apart():
    data = to_data(parse_config((REPO / "examples" / "dotnet-service" / "pipekit.yaml").read_text()))
    plain = from_data(data)
    assert isinstance(plain.service.hooks.smoke_checks, tuple)  # a tuple in the model
    assert isinstance(plain.accounts, dict) and plain.accounts["dev"].id == "222222222222"
    assert from_data({"$dict": {"$model": "not a model", "fields": 1}}) == {"$model": "not a model", "fields": 1}


def test_a_config_read_again_does_not_import_pydantic(tmp_path):
    path = write_config(tmp_path / "project", example_data())
    env = {**os.environ, "PIPEKIT_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(REPO / "src")}
    check = ("import sys; from pathlib import Path; from pipekit.config import load_config; "
             f"cfg = load_config(Path({str(path)!r})); print(cfg.project, 'pydantic' in sys.modules)")
    first = subprocess.run([sys.executable, "-c", check], env=env, capture_output=True, text=True, check=True)
    second = subprocess.run([sys.executable, "-c", check], env=env, capture_output=True, text=True, check=True)
    assert first.stdout.split() == ["orders", "True"]  # validated: pydantic was needed
    assert second.stdout.split() == ["orders", "False"]


def test_an_edited_config_is_validated_again(tmp_path):
    data = example_data()
    path = write_config(tmp_path, data)
    assert load_config(path).service.memory == 512
    data["service"]["memory"] = 1024
    write_config(tmp_path, data)
    assert load_config(path).service.memory == 1024
    data["service"]["memory"] = 64  # below Lambda's 128 MB
    write_config(tmp_path, data)
    with pytest.raises(ConfigError, match="service.memory"):
        load_config(path)


def test_a_damaged_or_foreign_snapshot_is_ignored(tmp_path):
    path = write_config(tmp_path, example_data())
    load_config(path)
    saved = snapshot._file_for(path)
    for damage in ("{not json", '{"key": "another key", "config": {"$model": "Config", "fields": {"project": "evil"}}}',
                   '{"key": "%s", "config": {"$dict": 5}}' % snapshot.key(path.read_text())):
        saved.write_text(damage)
        assert load_config(path).project == "orders"


def test_a_cache_that_cannot_be_written_only_costs_time(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("PIPEKIT_CACHE_DIR", str(blocker / "cache"))
    path = write_config(tmp_path / "project", example_data())
    assert load_config(path).project == "orders"
    assert load_config(path).project == "orders"


def test_values_json_cannot_hold_are_loaded_but_not_kept(tmp_path):
    data = with_hook_override(example_data())
    path = write_config(tmp_path, data)
    path.write_text(path.read_text().replace("expect_result: pong", "expect_result: 2026-11-28"))  # YAML makes a date
    first = load_config(path)
    assert str(first.environment("prod").hooks.smoke_checks[0].expect_result) == "2026-11-28"
    assert not snapshot._file_for(path).exists()


def test_the_key_covers_the_text_and_the_code_that_validated_it(tmp_path, monkeypatch):
    text = (REPO / "examples" / "dotnet-service" / "pipekit.yaml").read_text()
    assert snapshot.key(text) != snapshot.key(text + "\n# a comment\n")
    package = tmp_path / "config"
    shutil.copytree(Path(snapshot.__file__).parent, package)
    monkeypatch.setattr(snapshot, "__file__", str(package / "snapshot.py"))
    snapshot._validator_fingerprint.cache_clear()
    before = snapshot.key(text)
    models = package / "models.py"
    models.write_text(models.read_text().replace("ge=128", "ge=256"))
    snapshot._validator_fingerprint.cache_clear()
    after = snapshot.key(text)
    monkeypatch.undo()
    snapshot._validator_fingerprint.cache_clear()
    assert before != after


def test_snapshots_are_kept_in_the_cache_folder_one_per_config(tmp_path, config_cache):
    data = example_data()
    path = write_config(tmp_path, data)
    load_config(path)
    data["service"]["memory"] = 1024
    write_config(tmp_path, data)
    load_config(path)
    kept = [p for p in config_cache.iterdir() if p.name == snapshot._file_for(path).name]
    assert len(kept) == 1 and yaml.safe_load(kept[0].read_text())["key"] == snapshot.key(path.read_text())


def test_snapshots_left_for_a_month_are_removed_when_another_is_written(tmp_path, config_cache):
    old, recent = config_cache / ("0" * 32 + ".json"), config_cache / ("1" * 32 + ".json")
    for path, days in ((old, 31), (recent, 29)):
        path.write_text("{}")
        stamp = time.time() - days * 24 * 3600
        os.utime(path, (stamp, stamp))
    path = write_config(tmp_path / "project", example_data())
    load_config(path)
    assert not old.exists() and recent.exists() and snapshot._file_for(path).exists()
