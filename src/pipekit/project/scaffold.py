"""Creating a project: the starter pipekit.yaml, or a copy of a bundled example."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from pipekit.config.constants import DEFAULT_CONFIG
from pipekit.config.parse import parse_config
from pipekit.config.schema import MODELINE
from pipekit.errors import UsageError
from pipekit.project import examples

if TYPE_CHECKING:
    from pipekit.config.models import Config

# What the starter needs, in prompt order, with the option that sets each.
STARTER_FIELDS = {
    "project": "--project",
    "region": "--region",
    "build_account": "--build-account",
    "dev_account": "--dev-account",
    "prod_account": "--prod-account",
    "repository": "--repository",
    "connection_arn": "--connection-arn",
}


def app_name(project: str) -> str:
    """The .NET project name for a pipekit project: orders-service -> OrdersServiceApi."""
    return "".join(part.capitalize() for part in re.split(r"[-_]", project) if part) + "Api"


def default_project(directory: Path) -> str:
    name = re.sub(r"[^a-z0-9-]+", "-", directory.resolve().name.lower()).strip("-")
    return name or "service"


def missing_starter_fields(values: dict[str, Optional[str]], source: str) -> list[str]:
    needed = [f for f in STARTER_FIELDS if f != "connection_arn" or source == "codeconnections"]
    return [f for f in needed if not values.get(f)]


def starter_config(values: dict[str, str], source: str) -> tuple[str, Config]:
    """The commented starter pipekit.yaml, validated before anything is written."""
    from pipekit.project.render import template_environment

    text = template_environment().get_template("starter/pipekit.yaml.j2").render(
        **values, source=source, app=app_name(values["project"]), modeline=MODELINE
    )
    return text, parse_config(text, DEFAULT_CONFIG)


def example_config(name: str, project: Optional[str]) -> tuple[str, Config]:
    """The example's pipekit.yaml, with its project renamed when asked; validated."""
    text = (examples.example_dir(name) / DEFAULT_CONFIG).read_text(encoding="utf-8")
    if not text.startswith(MODELINE):
        text = f"{MODELINE}\n{text}"  # editors find the schema render keeps
    if project:
        text, count = re.subn(r"(?m)^project:.*$", f"project: {project}", text, count=1)
        if not count:
            raise UsageError(f"example {name!r} has no top-level project key to rename")
    return text, parse_config(text, DEFAULT_CONFIG)


def ensure_empty(directory: Path) -> None:
    """init never writes into a folder that already holds something."""
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"{directory} exists and is not a folder")
    if directory.is_dir() and any(directory.iterdir()):
        raise UsageError(f"{directory} is not empty; init only creates new projects (use `pipekit render` in an existing one)")
