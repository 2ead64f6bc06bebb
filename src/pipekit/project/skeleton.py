"""The .NET projects pipekit.yaml names, as a minimal skeleton that builds, tests and runs
on Lambda as the rendered buildspec and SAM template expect: each function an
executable web project on the configured framework (the Lambda handler is its assembly
name, an HTTP API event, GET /health for the traffic hooks), each unit-test project an
xunit project hosting the function in memory, each integration-test project an xunit
project that reads SERVICE_URL as the pipeline's test action sets it.

`init` writes the skeleton; `validate` reports each named project that does not exist
with the `dotnet new` commands that make it."""

from __future__ import annotations

from typing import TYPE_CHECKING
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

if TYPE_CHECKING:
    from pipekit.config.models import Config


# Package versions the skeleton pins; the same as the bundled example's projects.
VERSIONS = {"hosting": "1.9.0", "test_sdk": "17.14.1", "xunit": "2.9.3", "xunit_runner": "3.1.4"}


@dataclass(frozen=True)
class DotnetProject:
    kind: str  # function | library | unit-tests | integration-tests
    path: str  # the .csproj, relative to the project folder
    tested: str = ""  # unit tests: the function project they host

    @property
    def name(self) -> str:
        return PurePosixPath(self.path).stem

    @property
    def folder(self) -> str:
        return str(PurePosixPath(self.path).parent)

    @property
    def namespace(self) -> str:
        return re.sub(r"[^A-Za-z0-9_.]", "_", self.name)


def referenced(cfg: Config) -> list[DotnetProject]:
    """Every .NET project pipekit.yaml names, once, in the order a reader meets them."""
    functions = [f.project for f in cfg.service.functions]
    found: dict[str, DotnetProject] = {}
    for path in functions:
        found.setdefault(path, DotnetProject("function", path))
    for path in cfg.build.projects:
        found.setdefault(path, DotnetProject("library", path))
    for path in cfg.build.unit_tests:
        found.setdefault(path, DotnetProject("unit-tests", path, _tested_by(path, functions)))
    for env in cfg.environments:
        if env.integration_tests:
            found.setdefault(env.integration_tests, DotnetProject("integration-tests", env.integration_tests))
    return list(found.values())


def _tested_by(test_project: str, functions: list[str]) -> str:
    """The function a unit-test project tests: the one its name starts with (OrdersApi.Tests
    tests OrdersApi), else the first."""
    stem = PurePosixPath(test_project).stem
    return next((f for f in functions if stem.startswith(PurePosixPath(f).stem + ".")), functions[0])


def missing(root: Path, cfg: Config) -> list[DotnetProject]:
    return [project for project in referenced(cfg) if not (root / project.path).is_file()]


def files(cfg: Config, projects: list[DotnetProject]) -> dict[str, str]:
    """The skeleton's files (path relative to the project folder -> text) for `projects`."""
    from pipekit.project.render import template_environment

    templates = template_environment()
    framework = f"net{cfg.build.dotnet_version}"
    versions = {**VERSIONS, "mvc_testing": f"{cfg.build.dotnet_version}.0"}
    out: dict[str, str] = {}
    for project in projects:
        context = {"framework": framework, "versions": versions, "namespace": project.namespace, "assembly": project.name,
                   "tested": _relative(project.folder, project.tested) if project.tested else ""}

        def render(template: str) -> str:
            return templates.get_template(f"skeleton/{template}.j2").render(context).replace("\n\n\n", "\n\n")

        if project.kind == "function":
            out[project.path] = render("function.csproj")
            out[f"{project.folder}/Program.cs"] = render("Program.cs")
        elif project.kind == "library":
            out[project.path] = render("library.csproj")
        elif project.kind == "unit-tests":
            out[project.path] = render("unit-tests.csproj")
            out[f"{project.folder}/HealthTests.cs"] = render("UnitHealthTests.cs")
        else:
            out[project.path] = render("unit-tests.csproj")
            out[f"{project.folder}/HealthTests.cs"] = render("IntegrationHealthTests.cs")
    return out


def _relative(from_folder: str, to_path: str) -> str:
    """A ProjectReference path, relative to the referencing project's folder."""
    up = "../" * len(PurePosixPath(from_folder).parts)
    return f"{up}{to_path}"


def dotnet_new(cfg: Config, project: DotnetProject) -> list[str]:
    """The `dotnet new` (and `dotnet add`) commands that make `project` by hand."""
    framework = f"net{cfg.build.dotnet_version}"
    template = {"function": "web", "library": "classlib", "unit-tests": "xunit", "integration-tests": "xunit"}[project.kind]
    commands = [f"dotnet new {template} --framework {framework} --output {project.folder} --name {project.name}"]
    if project.kind == "function":
        commands.append(f"dotnet add {project.path} package Amazon.Lambda.AspNetCoreServer.Hosting")
    if project.kind == "unit-tests" and project.tested:
        commands.append(f"dotnet add {project.path} reference {project.tested}")
        commands.append(f"dotnet add {project.path} package Microsoft.AspNetCore.Mvc.Testing")
    return commands
