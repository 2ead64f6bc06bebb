"""pipekit reads cfn-lint's schemas and policy data without importing cfn-lint (render
needs a handful of schemas; the import alone costs more than the rest of render). The
reader must find exactly what cfn-lint's own schema manager finds."""

import json

import pytest

from pipekit.checks.permissions import cfnlint_data


@pytest.mark.parametrize("region", ["eu-west-1", "ap-southeast-4"])
def test_every_schema_is_the_one_cfn_lints_manager_returns(region):
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER
    from cfnlint.schema._exceptions import ResourceNotFoundError

    types = PROVIDER_SCHEMA_MANAGER.get_resource_types(region) + ["Custom::Anything", "AWS::Nothing::Here"]
    differ = []
    for resource_type in types:
        try:
            expected = PROVIDER_SCHEMA_MANAGER.get_resource_schema(region, resource_type).schema
        except ResourceNotFoundError:
            expected = None
        if cfnlint_data.resource_schema(region, resource_type) != expected:
            differ.append(resource_type)
    assert len(types) > 500 and not differ


def _schemas(folder, date, lambda_schema):
    (folder / "providers").mkdir(parents=True)
    (folder / "resources").mkdir()
    (folder / "version.json").write_text(json.dumps({"schema_date": date}))
    (folder / "providers" / "us-east-1.json").write_text(json.dumps({"AWS::Lambda::Function": "h1"}))
    (folder / "resources" / "h1.json").write_text(json.dumps(lambda_schema))


@pytest.mark.parametrize("cache_date, from_cache", [("2999-01-01T00:00:00Z", True), ("2000-01-01T00:00:00Z", False)])
def test_cfn_lints_updated_cache_is_read_only_when_newer_than_the_bundled_schemas(tmp_path, monkeypatch, cache_date, from_cache):
    _schemas(tmp_path / "aws" / "cfn-lint" / "schemas", cache_date, {"typeName": "from the cache"})
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr("sys.platform", "linux")
    cfnlint_data.schema_dir.cache_clear()
    try:
        found = cfnlint_data.resource_schema("eu-west-1", "AWS::Lambda::Function")
    finally:
        cfnlint_data.schema_dir.cache_clear()
    assert (found["typeName"] == "from the cache") is from_cache
    assert found["typeName"] in ("from the cache", "AWS::Lambda::Function")


def test_render_reads_the_schemas_without_importing_cfn_lint(tmp_path):
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    project = tmp_path / "project"
    shutil.copytree(Path(__file__).parents[1] / "examples" / "dotnet-service", project)
    script = (
        "import sys\n"
        "from pipekit.cli import main\n"
        "try:\n    main(['render', '--force'])\nexcept SystemExit as exit:\n    code = exit.code\n"
        "print(code, 'cfnlint' in sys.modules, 'pipekit.project.drift_reads' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=project, capture_output=True, text=True, timeout=120)
    assert done.stdout.split()[-3:] == ["0", "False", "True"], done.stdout + done.stderr
