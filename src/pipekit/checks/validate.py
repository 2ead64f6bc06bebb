"""pipekit validate: the rendered files checked by the field's own tools, offline.

cfn-lint on every CloudFormation template, the SAM transform on the service template
(the same translator CloudFormation runs), and pipekit's cross-template checks."""

from __future__ import annotations

import copy
import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterator, Optional

import yaml

from pipekit.checks import rules
from pipekit.project import names
from pipekit.config.models import Config
from pipekit.project.names import CLOUDFORMATION_TEMPLATES

BUILDSPEC = rules.BUILDSPEC


@dataclass(frozen=True)
class Finding:
    tool: str  # cfn-lint | sam-translator | pipekit
    file: str
    line: Optional[int]
    column: Optional[int]
    rule: str
    severity: str  # error | warning | info
    message: str

    @property
    def location(self) -> str:
        if self.line is None:
            return self.file
        return f"{self.file}:{self.line}:{self.column or 1}"

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "location": self.location}


def validate_project(root: Path, cfg: Config) -> list[Finding]:
    findings: list[Finding] = []
    parsed: dict[str, dict] = {}
    for rel in CLOUDFORMATION_TEMPLATES:
        path = root / rel
        if not path.exists():
            findings.append(Finding("pipekit", rel, None, None, "missing", "error", "not rendered yet: run `pipekit render`"))
            continue
        text = path.read_text(encoding="utf-8")
        findings += list(lint_template(rel, text, cfg.region))
        template = _parse(text)
        if template is None:
            continue
        parsed[rel] = template
        if rel == names.SERVICE_TEMPLATE:
            findings += list(translate_service(rel, template, cfg.region))
    buildspec = _read_buildspec(root / BUILDSPEC, findings)
    project = rules.Project(cfg, parsed, buildspec, _read_parameter_files(root, cfg))
    for problem in rules.check(project):
        findings.append(Finding("pipekit", problem.file, None, None, problem.rule, "error", problem.message))
    return findings


def lint_template(rel: str, text: str, region: str) -> Iterator[Finding]:
    from cfnlint.api import lint  # heavy: only when validating

    for match in lint(text, regions=[region]):
        rule = match.rule
        severity = {"E": "error", "W": "warning"}.get(rule.id[:1], "info")
        yield Finding("cfn-lint", rel, match.linenumber, match.columnnumber, rule.id, severity, match.message)


def translate_service(rel: str, template: dict, region: str) -> Iterator[Finding]:
    """Run the SAM transform offline, as CloudFormation would at change-set time."""
    import boto3
    from samtranslator.model.exceptions import InvalidDocumentException
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    fragment = copy.deepcopy(template)
    for resource in (fragment.get("Resources") or {}).values():
        props = resource.get("Properties") or {}
        # `aws cloudformation package` turns local CodeUri paths into S3 locations at
        # build time; stand in for it so that the rest of the template is checked.
        if resource.get("Type") == "AWS::Serverless::Function" and isinstance(props.get("CodeUri"), str):
            if not props["CodeUri"].startswith("s3://"):
                props["CodeUri"] = f"s3://pipekit-validate/{props['CodeUri'].lstrip('./')}.zip"
    translator = Translator(None, Parser(), boto_session=boto3.session.Session(region_name=region))
    # The translator logs notes about its feature toggles; only its errors matter here.
    logging.getLogger("samtranslator").setLevel(logging.ERROR)
    try:
        translator.translate(fragment, {}, get_managed_policy_map=lambda: {})
    except InvalidDocumentException as exc:
        for cause in exc.causes:
            yield Finding("sam-translator", rel, None, None, "transform", "error", str(cause.message))
    except Exception as exc:  # the translator raises many types; each is a finding, not a crash
        yield Finding("sam-translator", rel, None, None, "transform", "error", str(exc))


def _parse(text: str) -> Optional[dict]:
    from cfnlint.decode.cfn_yaml import loads

    try:
        template = loads(text)
    except Exception:  # cfn-lint already reported the parse error with its location
        return None
    return template if isinstance(template, dict) else None


def _read_parameter_files(root: Path, cfg: Config) -> dict[str, Any]:
    files: dict[str, Any] = {}
    for env in cfg.environments:
        rel = names.environment_parameters(env.name)
        try:
            files[rel] = json.loads((root / rel).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            files[rel] = None  # reported by the consistency check
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
