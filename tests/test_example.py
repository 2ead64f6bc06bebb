"""examples/dotnet-service: a real .NET service whose projects, buildspec, SAM template
and pipekit.yaml agree. No .NET SDK here, so consistency is checked, not compilation."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import PurePosixPath

import pytest
import yaml
from click.testing import CliRunner

from conftest import EXAMPLE
from pipekit.cli import main
from pipekit.config import load_config

CFG = load_config(EXAMPLE / "pipekit.yaml")


def csproj(path: str) -> ET.Element:
    file = EXAMPLE / path
    assert file.is_file(), f"{path} named in pipekit.yaml does not exist"
    return ET.parse(file).getroot()


def prop(project: ET.Element, name: str):
    found = project.find(f"PropertyGroup/{name}")
    return None if found is None else found.text


def package_refs(project: ET.Element) -> set[str]:
    return {ref.get("Include") for ref in project.iter("PackageReference")}


def all_projects() -> list[str]:
    paths = [*CFG.build.projects, *CFG.build.unit_tests, *(f.project for f in CFG.service.functions)]
    paths += [e.integration_tests for e in CFG.environments if e.integration_tests]
    return sorted(set(paths))


@pytest.mark.parametrize("path", all_projects())
def test_every_project_targets_the_configured_dotnet(path):
    project = csproj(path)
    assert prop(project, "TargetFramework") == f"net{CFG.build.dotnet_version}"
    # the Lambda runtime runs the same major version the build compiles for
    assert CFG.service.runtime_dotnet_version == CFG.build.dotnet_version


@pytest.mark.parametrize("fn", CFG.service.functions, ids=lambda f: f.name)
def test_function_handler_is_the_assembly_of_an_executable_web_project(fn):
    project = csproj(fn.project)
    assert project.get("Sdk") == "Microsoft.NET.Sdk.Web"
    assert (prop(project, "AssemblyName") or PurePosixPath(fn.project).stem) == (fn.handler or fn.assembly)
    assert "Amazon.Lambda.AspNetCoreServer.Hosting" in package_refs(project)
    program = (EXAMPLE / fn.project_dir / "Program.cs").read_text()
    assert "AddAWSLambdaHosting(LambdaEventSource.HttpApi)" in program  # the SAM event is HttpApi


@pytest.mark.parametrize("path", CFG.build.unit_tests)
def test_unit_test_projects_reference_the_code_they_test(path):
    project = csproj(path)
    assert {"xunit", "Microsoft.NET.Test.Sdk"} <= package_refs(project)
    refs = [ref.get("Include") for ref in project.iter("ProjectReference")]
    assert refs, "a unit-test project with nothing to test"
    for ref in refs:
        target = (EXAMPLE / PurePosixPath(path).parent / ref).resolve()
        assert target.is_file(), ref
        assert str(target.relative_to(EXAMPLE.resolve())) in CFG.build.projects


def test_integration_tests_read_the_url_the_pipeline_passes():
    env = CFG.environment("dev")
    project_dir = EXAMPLE / PurePosixPath(env.integration_tests).parent
    sources = "".join(p.read_text() for p in project_dir.glob("*.cs"))
    testspec = (EXAMPLE / "testspec.yml").read_text()
    assert 'UrlVariable = "SERVICE_URL"' in sources
    assert "$SERVICE_URL" in testspec and "$INTEGRATION_TESTS" in testspec
    assert "/ApiGateway" not in sources  # tests call the URL they are given, nothing hard-coded


def test_health_endpoint_exists():
    api = EXAMPLE / CFG.service.functions[0].project_dir
    assert 'Path = "/health"' in (api / "HealthEndpoints.cs").read_text()
    assert "app.MapHealth();" in (api / "Program.cs").read_text()


def test_table_name_comes_from_the_template():
    program = (EXAMPLE / CFG.service.functions[0].project_dir / "Program.cs").read_text()
    template = (EXAMPLE / "service/template.yaml").read_text()
    assert 'Configuration["TABLE_NAME"]' in program
    assert "TABLE_NAME: !Ref Table" in template


def test_buildspec_builds_tests_and_publishes_what_the_config_names():
    buildspec = yaml.safe_load((EXAMPLE / "buildspec.yml").read_text())
    commands = " ".join(str(c) for phase in buildspec["phases"].values() for c in phase["commands"])
    for project in CFG.build.projects:
        assert f"dotnet build {project}" in commands
    for project in CFG.build.unit_tests:
        assert f"dotnet test {project}" in commands
    for fn in CFG.service.functions:
        assert f"dotnet publish {fn.project} --configuration Release --runtime linux-x64 --self-contained false --output build/{fn.name}" in commands
    assert f"--channel {CFG.build.dotnet_version}" in commands
    assert buildspec["reports"]["unit-tests"]["file-format"] == "VISUALSTUDIOTRX"


def test_solution_lists_every_project():
    solution = (EXAMPLE / "Orders.slnx").read_text()
    for path in all_projects():
        assert f'Path="{path}"' in solution


def test_sdk_pin_matches_the_configured_dotnet():
    version = yaml.safe_load((EXAMPLE / "global.json").read_text())["sdk"]["version"]
    assert version.startswith(f"{CFG.build.dotnet_version.split('.')[0]}.")


def test_committed_rendered_files_are_up_to_date():
    result = CliRunner().invoke(main, ["--config", str(EXAMPLE / "pipekit.yaml"), "render", "--dry-run", "--format", "json"])
    assert result.exit_code == 0
    import json

    stale = [f["path"] for f in json.loads(result.output)["files"] if f["outcome"] != "unchanged"]
    assert stale == [], "run `pipekit render` in examples/dotnet-service and commit the result"


def test_csharp_namespaces_follow_the_project():
    for source in (EXAMPLE / "src/OrdersApi").glob("*.cs"):
        text = source.read_text()
        if source.name != "Program.cs":
            assert re.search(r"^namespace OrdersApi;", text, re.M), source.name
