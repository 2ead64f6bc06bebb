"""pipekit validate: the rendered files checked by the field's own tools, offline.

cfn-lint on every CloudFormation template, the SAM transform on the service template
(the same translator CloudFormation runs), and pipekit's cross-template rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import yaml

from pipekit.checks import rules, tools
from pipekit.checks.findings import Finding
from pipekit.checks.limits import limit_findings
from pipekit.project import names
from pipekit.project.names import CLOUDFORMATION_TEMPLATES

if TYPE_CHECKING:
    from pipekit.config.models import Config

BUILDSPEC = rules.BUILDSPEC


# What `--only` may name, in the order they run.
CHECKS = ("cfn-lint", "sam", "rules", "permissions")


def validate_project(root: Path, cfg: Config, only: Optional[set[str]] = None) -> list[Finding]:
    """Every finding of the chosen checks (all by default)."""
    wanted = set(only or CHECKS)
    findings: list[Finding] = []
    texts: dict[str, str] = {}
    for rel in CLOUDFORMATION_TEMPLATES:
        path = root / rel
        if not path.exists():
            findings.append(Finding("pipekit", rel, None, None, "missing", "error", "not rendered yet: run `pipekit render`"))
            continue
        texts[rel] = path.read_text(encoding="utf-8")
    linted, parsed = tools.lint_templates(texts, cfg.region, lint="cfn-lint" in wanted)
    findings += linted
    translated: Optional[dict] = None  # the service template after the SAM transform
    if "sam" in wanted and names.SERVICE_TEMPLATE in parsed:
        translation = tools.translate_service(names.SERVICE_TEMPLATE, parsed[names.SERVICE_TEMPLATE], cfg.region)
        findings += translation.findings
        translated = translation.template
    if "rules" in wanted:
        findings += _missing_projects(root, cfg)
        for rel, template in parsed.items():
            findings += limit_findings(rel, texts[rel], template, translated if rel == names.SERVICE_TEMPLATE else None)
        buildspec = _read_buildspec(root / BUILDSPEC, findings)
        project = rules.Project(cfg, parsed, buildspec, _read_parameter_files(root, cfg))
        for problem in rules.check(project):
            findings.append(Finding("pipekit", problem.file, None, None, problem.rule, "error", problem.message))
    if "permissions" in wanted:
        findings += _permission_findings(parsed, cfg)
    return findings


def suppressed(findings: list[Finding], cfg: Config) -> tuple[list[Finding], dict[str, int]]:
    """The findings left after the config's accepted rules, and how many each rule hid."""
    accepted = {s.rule for s in cfg.validate_.suppress}
    hidden = {rule: sum(1 for f in findings if f.rule == rule) for rule in sorted(accepted)}
    return [f for f in findings if f.rule not in accepted], hidden


def _permission_findings(parsed: dict[str, dict], cfg: Config) -> list[Finding]:
    from pipekit.checks.permissions.preflight import preflight

    return [
        Finding("preflight", f.file, f.line, None, f.rule, "error", f.message, f.fix or "")
        for f in preflight(parsed, cfg)
    ]


PROJECT_KINDS = {"function": "function project", "library": "build project", "unit-tests": "unit-test project",
                 "integration-tests": "integration-test project"}


def _missing_projects(root: Path, cfg: Config) -> list[Finding]:
    """Each .NET project pipekit.yaml names that is not there, with the commands that make it."""
    from pipekit.project import skeleton

    return [
        Finding("pipekit", project.path, None, None, "missing-project", "error",
                f"{PROJECT_KINDS[project.kind]} named in pipekit.yaml does not exist; create it: " + " && ".join(skeleton.dotnet_new(cfg, project)))
        for project in skeleton.missing(root, cfg)
    ]


def _read_parameter_files(root: Path, cfg: Config) -> dict[str, Any]:
    files: dict[str, Any] = {}
    for env in cfg.environments:
        rel = names.environment_parameters(env.name)
        try:
            files[rel] = json.loads((root / rel).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            files[rel] = None  # reported by rule PK109
    return files


def _read_buildspec(path: Path, findings: list[Finding]) -> Optional[dict]:
    if not path.exists():
        findings.append(Finding("pipekit", BUILDSPEC, None, None, "missing", "error", "not rendered yet: run `pipekit render`"))
        return None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        findings.append(
            Finding("pipekit", BUILDSPEC, mark.line + 1 if mark else None, mark.column + 1 if mark else None, "yaml", "error", str(exc.problem))
        )
        return None
    return data if isinstance(data, dict) else None
