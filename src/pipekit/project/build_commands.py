"""The dotnet commands that build the service, as argument lists: the one source for the
buildspec (which renders them, shell-quoted) and for `pipekit dev deploy` (which runs
the publish commands on the developer's machine), so that both build the same way."""

from __future__ import annotations

from typing import TYPE_CHECKING
import shlex
from pathlib import PurePosixPath

if TYPE_CHECKING:
    from pipekit.config.models import Config, Function


Command = tuple[str, ...]

# Where a function's publish output goes; the service template's CodeUri points here.
BUILD_DIR = "build"
TEST_RESULTS_DIR = "test-results"


def dotnet_rid(cfg: Config) -> str:
    """The .NET runtime identifier of the Lambda architecture."""
    return "linux-arm64" if cfg.service.architecture == "arm64" else "linux-x64"


def publish_dir(fn: Function) -> str:
    return f"{BUILD_DIR}/{fn.name}"


def restore_commands(cfg: Config) -> list[Command]:
    projects = dict.fromkeys([*cfg.build.projects, *cfg.build.unit_tests])
    return [("dotnet", "restore", project, "--runtime", dotnet_rid(cfg)) for project in projects]


def build_commands(cfg: Config) -> list[Command]:
    return [("dotnet", "build", project, "--configuration", "Release", "--no-restore") for project in cfg.build.projects]


def test_commands(cfg: Config) -> list[Command]:
    return [
        ("dotnet", "test", project, "--configuration", "Release", "--logger", f"trx;LogFileName={PurePosixPath(project).stem}.trx",
         "--results-directory", TEST_RESULTS_DIR)
        for project in cfg.build.unit_tests
    ]


def publish_command(cfg: Config, fn: Function) -> Command:
    return ("dotnet", "publish", fn.project, "--configuration", "Release", "--runtime", dotnet_rid(cfg), "--self-contained", "false",
            "--output", publish_dir(fn))


def publish_commands(cfg: Config) -> list[Command]:
    return [publish_command(cfg, fn) for fn in cfg.service.functions]


def shell_line(command: Command) -> str:
    """The command as one shell line; every argument stays one word."""
    return shlex.join(command)
