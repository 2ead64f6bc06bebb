"""Building the service on the developer's machine with the buildspec's own publish
commands (project/build_commands.py), for the configured runtime and architecture."""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from pipekit.errors import PipekitError, UsageError
from pipekit.project import build_commands

if TYPE_CHECKING:
    from pipekit.config.models import Config

OUTPUT_TAIL = 30  # lines of a failed command's output shown


class BuildFailed(PipekitError):
    """A dotnet command failed."""


@dataclass(frozen=True)
class Built:
    command: tuple[str, ...]
    seconds: float


def build(cfg: Config, root: Path, on_command: Callable[[tuple[str, ...]], None], run=subprocess.run,
          clock: Callable[[], float] = time.monotonic) -> list[Built]:
    """Publish every function into build/<Function> (emptied first, so that a deleted
    file does not linger in the package). Stops at the first command that fails."""
    if shutil.which("dotnet") is None:
        raise UsageError(f"dotnet is not on PATH: install the .NET {cfg.build.dotnet_version} SDK (https://dot.net)")
    built = []
    for fn, command in zip(cfg.service.functions, build_commands.publish_commands(cfg)):
        output = root / build_commands.publish_dir(fn)
        if output.exists():
            shutil.rmtree(output)
        on_command(command)
        started = clock()
        completed = run(list(command), cwd=root, capture_output=True, text=True)
        if completed.returncode != 0:
            tail = "\n".join(((completed.stdout or "") + (completed.stderr or "")).rstrip().splitlines()[-OUTPUT_TAIL:])
            raise BuildFailed(f"{build_commands.shell_line(command)} failed (exit {completed.returncode}):\n{tail}")
        built.append(Built(command, clock() - started))
    return built
