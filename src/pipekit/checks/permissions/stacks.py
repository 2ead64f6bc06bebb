"""The rendered project as the stacks it becomes: each template resolved in its
account, with the exports one stack hands the next (build -> targets -> pipeline and
services), and the service template after the SAM transform, once per environment."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping, Optional

from pipekit.checks import tools
from pipekit.checks.permissions.arns import ref_and_attrs
from pipekit.checks.permissions.intrinsics import Stack
from pipekit.checks.permissions.registry import Registry
from pipekit.checks.permissions.unknown import unknown
from pipekit.project import layout, names

if TYPE_CHECKING:
    from pipekit.config.models import Config


@dataclass
class Project:
    cfg: Config
    templates: Mapping[str, Any]
    registry: Registry = field(default_factory=Registry)
    build: Optional[Stack] = None
    targets: dict[str, Stack] = field(default_factory=dict)  # account id -> roles stack
    pipeline: Optional[Stack] = None
    services: list[tuple[layout.Stage, Stack]] = field(default_factory=list)
    service_template: Optional[dict] = None  # after the transform
    problems: list[str] = field(default_factory=list)


def load(templates: Mapping[str, Any], cfg: Config) -> Project:
    project = Project(cfg, templates)
    partition = names.partition(cfg.region)

    def stack(rel: str, account: str, name: str, parameters: Optional[dict] = None, exports: Optional[dict] = None,
              template: Optional[Mapping] = None) -> Optional[Stack]:
        body = template if template is not None else templates.get(rel)
        if not isinstance(body, Mapping):
            return None
        made = Stack(body, account, cfg.region, partition, name, parameters or {}, exports or {}, facts=ref_and_attrs)
        project.registry.add(rel, made)
        return made

    project.build = stack(names.BUILD_ACCOUNT_TEMPLATE, cfg.build_account_id, names.artifacts_stack(cfg))
    build_exports = exports_of(project.build)
    key = build_exports.get(names.export(cfg, "ArtifactKeyArn"))
    for target in layout.targets(cfg):
        made = stack(names.TARGET_ACCOUNT_TEMPLATE, target.id, names.target_stack(cfg), {"ArtifactKeyArn": key} if key else {})
        if made is not None:
            project.targets[target.id] = made
    project.pipeline = stack(names.PIPELINE_TEMPLATE, cfg.build_account_id, names.pipeline_stack(cfg), exports=build_exports)
    source = templates.get(names.SERVICE_TEMPLATE)
    if isinstance(source, Mapping):
        # Code stands in as objects under packages/ of the artifact bucket whose key is
        # unknown, so reading it is checked like every other artifact read.
        bucket = names.artifact_bucket(cfg)

        def package(logical_id: str, _path: str) -> str:
            return f"s3://{bucket}/packages/{unknown(f'package of {logical_id}')}"

        try:
            project.service_template = tools.transform(dict(source), cfg.region, package)
        except Exception as exc:  # validate reports the transform's errors; here nothing is left to check
            project.problems.append(f"the SAM transform failed ({exc}); the execution role and the service's roles were not checked")
    if project.service_template is not None:
        for stage in layout.stages(cfg):
            exports = exports_of(project.targets.get(stage.target.id))
            made = stack(names.SERVICE_TEMPLATE, stage.target.id, stage.stack, dict(stage.parameters), exports, project.service_template)
            if made is not None:
                project.services.append((stage, made))
    return project


def exports_of(stack: Optional[Stack]) -> dict[str, str]:
    if stack is None:
        return {}
    found = {}
    for output in (stack.template.get("Outputs") or {}).values():
        if isinstance(output, Mapping) and isinstance(output.get("Export"), Mapping):
            found[stack.text(output["Export"].get("Name"))] = stack.text(output.get("Value"))
    return found
