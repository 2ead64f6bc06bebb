"""What deploy refuses before it calls AWS: rendered templates that no longer match
pipekit.yaml, and a `--template` aimed at a stack pipekit manages. Pure: reads files."""

from __future__ import annotations

from typing import TYPE_CHECKING
import hashlib
from pathlib import Path

from pipekit.errors import UsageError
from pipekit.project import names

if TYPE_CHECKING:
    from pipekit.config.models import Config


class StaleRender(UsageError):
    """A rendered template is not what pipekit.yaml renders now."""


def managed_stacks(cfg: Config) -> dict[str, str]:
    """Every stack name pipekit deploys for this config -> what it is."""
    stacks = {
        names.artifacts_stack(cfg): "the artifact stack",
        names.pipeline_stack(cfg): "the pipeline stack",
        names.target_stack(cfg): "the deployment roles stack",
    }
    stacks.update({names.service_stack(cfg, env.name): f"{env.name}'s service stack" for env in cfg.environments})
    return stacks


def refuse_managed_stack(cfg: Config, stack_name: str) -> None:
    """--template must not replace one of pipekit's own stacks with another template."""
    what = managed_stacks(cfg).get(stack_name)
    if what:
        raise UsageError(
            f"--stack-name {stack_name} is {what}, which pipekit manages; "
            "a --template deploy would replace it with another template: choose another stack name"
        )


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def stale_templates(root: Path, templates: list[Path], rendered: dict[str, str], manifest: dict[str, str]) -> list[str]:
    """Templates (relative paths) whose last render, as the manifest records it, is not
    what the config renders now. A user's own edit to a file is not staleness: the
    manifest holds what pipekit wrote, and that is what is compared."""
    stale = []
    for template in templates:
        try:
            rel = template.relative_to(root).as_posix()
        except ValueError:
            continue  # outside the project: not something pipekit renders
        now = rendered.get(rel)
        if now is None or not (root / rel).exists():
            continue  # not a rendered file, or missing (deploy says "run `pipekit render`" itself)
        written = manifest.get(rel) or _digest((root / rel).read_text(encoding="utf-8", errors="replace"))
        if written != _digest(now):
            stale.append(rel)
    return stale


def refuse_stale(root: Path, cfg: Config, templates: list[Path]) -> None:
    from pipekit.project.files import read_manifest
    from pipekit.project.render import render_all

    stale = stale_templates(root, templates, render_all(cfg), read_manifest(root))
    if stale:
        raise StaleRender(
            f"{', '.join(stale)} no longer match{'es' if len(stale) == 1 else ''} pipekit.yaml: run `pipekit render` "
            "(or pass --allow-stale to deploy the files as they are)"
        )
