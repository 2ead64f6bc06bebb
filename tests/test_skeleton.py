"""The .NET skeleton `pipekit init` writes for a starter config, checked as
tests/test_example.py checks the bundled example (no .NET SDK here: consistency with the
buildspec, the SAM template and the config, not compilation); and validate naming each
missing project with the commands that make it."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import EXAMPLE
from pipekit.cli import main
from pipekit.config import load_config
from test_cli import STARTER_OPTIONS


@pytest.fixture(scope="module")
def starter(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("init") / "payments"
    result = CliRunner().invoke(main, ["init", str(root), *STARTER_OPTIONS])
    assert result.exit_code == 0, result.output
    assert "  created  src/PaymentsApi/PaymentsApi.csproj" in result.output
    return root


def project(root: Path, path: str) -> ET.Element:
    return ET.parse(root / path).getroot()


def prop(element: ET.Element, name: str):
    found = element.find(f"PropertyGroup/{name}")
    return None if found is None else found.text


def packages(element: ET.Element) -> dict[str, str]:
    return {ref.get("Include"): ref.get("Version") for ref in element.iter("PackageReference")}


def test_every_named_project_exists_on_the_configured_framework(starter):
    cfg = load_config(starter / "pipekit.yaml")
    named = {*cfg.build.projects, *cfg.build.unit_tests, *(f.project for f in cfg.service.functions),
             *(e.integration_tests for e in cfg.environments if e.integration_tests)}
    assert len(named) == 3
    for path in named:
        assert prop(project(starter, path), "TargetFramework") == f"net{cfg.build.dotnet_version}", path


def test_the_function_is_an_executable_web_project_lambda_can_host(starter):
    cfg = load_config(starter / "pipekit.yaml")
    (fn,) = cfg.service.functions
    csproj = project(starter, fn.project)
    assert csproj.get("Sdk") == "Microsoft.NET.Sdk.Web"
    assert prop(csproj, "AssemblyName") == fn.assembly  # the handler of executable-assembly hosting
    assert "Amazon.Lambda.AspNetCoreServer.Hosting" in packages(csproj)
    program = (starter / fn.project_dir / "Program.cs").read_text()
    assert "AddAWSLambdaHosting(LambdaEventSource.HttpApi)" in program  # the SAM event is HttpApi
    assert 'app.MapGet("/health"' in program  # the default smoke check of the traffic hooks
    template = (starter / "service" / "template.yaml").read_text()
    assert f'Handler: "{fn.assembly}"' in template and "Type: HttpApi" in template


def test_the_unit_tests_host_the_function(starter):
    cfg = load_config(starter / "pipekit.yaml")
    (tests,) = cfg.build.unit_tests
    csproj = project(starter, tests)
    (reference,) = [r.get("Include") for r in csproj.iter("ProjectReference")]
    assert ((starter / tests).parent / reference).resolve() == (starter / cfg.service.functions[0].project).resolve()
    assert "WebApplicationFactory<Program>" in (starter / tests).parent.joinpath("HealthTests.cs").read_text()
    buildspec = (starter / "buildspec.yml").read_text()
    assert f"dotnet test {tests}" in buildspec


def test_the_integration_tests_read_the_url_the_pipeline_passes(starter):
    cfg = load_config(starter / "pipekit.yaml")
    path = next(e.integration_tests for e in cfg.environments if e.integration_tests)
    code = (starter / path).parent.joinpath("HealthTests.cs").read_text()
    assert 'GetEnvironmentVariable("SERVICE_URL")' in code
    assert "SERVICE_URL" in (starter / "testspec.yml").read_text()


def test_package_versions_are_the_examples(starter):
    pinned = {}
    for path in (EXAMPLE / "src").rglob("*.csproj"):
        pinned.update(packages(ET.parse(path).getroot()))
    for path in (EXAMPLE / "tests").rglob("*.csproj"):
        pinned.update(packages(ET.parse(path).getroot()))
    for path in starter.rglob("*.csproj"):
        for name, version in packages(ET.parse(path).getroot()).items():
            assert pinned[name] == version, f"{path.name}: {name} {version}, the example pins {pinned[name]}"


def test_validate_finds_every_named_project(starter):
    result = CliRunner().invoke(main, ["--config", str(starter / "pipekit.yaml"), "validate", "--only", "rules", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["findings"] == []


def test_validate_reports_each_missing_project_with_the_commands_that_make_it(starter, tmp_path):
    import shutil

    root = tmp_path / "payments"
    shutil.copytree(starter, root)
    shutil.rmtree(root / "tests")
    result = CliRunner().invoke(main, ["--config", str(root / "pipekit.yaml"), "validate", "--only", "rules", "--format", "json"])
    assert result.exit_code == 1
    missing = [(f["file"], f["message"]) for f in json.loads(result.output)["findings"] if f["rule"] == "missing-project"]
    assert missing == [
        ("tests/PaymentsApi.Tests/PaymentsApi.Tests.csproj",
         "unit-test project named in pipekit.yaml does not exist; create it: "
         "dotnet new xunit --framework net10.0 --output tests/PaymentsApi.Tests --name PaymentsApi.Tests && "
         "dotnet add tests/PaymentsApi.Tests/PaymentsApi.Tests.csproj reference src/PaymentsApi/PaymentsApi.csproj && "
         "dotnet add tests/PaymentsApi.Tests/PaymentsApi.Tests.csproj package Microsoft.AspNetCore.Mvc.Testing"),
        ("tests/PaymentsApi.IntegrationTests/PaymentsApi.IntegrationTests.csproj",
         "integration-test project named in pipekit.yaml does not exist; create it: "
         "dotnet new xunit --framework net10.0 --output tests/PaymentsApi.IntegrationTests --name PaymentsApi.IntegrationTests"),
    ]
