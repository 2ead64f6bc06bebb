"""The field's own tools, run offline: cfn-lint over every template with one runner (as
its own CLI does, so its rules load once), and the SAM transform CloudFormation runs."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from pipekit.checks.findings import Finding

SEVERITIES = {"E": "error", "W": "warning"}


def lint_templates(texts: dict[str, str], region: str, lint: bool = True) -> tuple[list[Finding], dict[str, dict]]:
    """cfn-lint findings for every template (none when not `lint`), and the templates it
    could parse (with the line marks cfn-lint's decoder keeps)."""
    from cfnlint.config import ConfigMixIn  # heavy: only when validating
    from cfnlint.decode.decode import decode_str
    from cfnlint.runner import Runner

    runner = Runner(ConfigMixIn(regions=[region]))
    findings: list[Finding] = []
    parsed: dict[str, dict] = {}
    for rel, text in texts.items():
        template, errors = decode_str(text)
        matches = errors or (list(runner.validate_template(template)) if lint and template is not None else [])
        findings += [_finding(rel, match) for match in matches]
        if not errors and isinstance(template, dict):
            parsed[rel] = template
    return findings, parsed


def _finding(rel: str, match: Any) -> Finding:
    rule = match.rule.id
    return Finding("cfn-lint", rel, match.linenumber, match.columnnumber, rule, SEVERITIES.get(rule[:1], "info"), match.message)


@dataclass(frozen=True)
class Translation:
    template: Optional[dict]  # the transformed template, None when the transform failed
    findings: list[Finding] = field(default_factory=list)


def transform(template: dict, region: str, code_uri: Callable[[str, str], str]) -> dict:
    """The template after the SAM transform CloudFormation runs at change-set time, run
    offline. `aws cloudformation package` turns local CodeUri paths into S3 locations at
    build time; `code_uri(logical_id, path)` stands in for it. Raises the translator's errors."""
    import boto3
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    fragment = _plain(template)
    for logical_id, resource in (fragment.get("Resources") or {}).items():
        props = resource.get("Properties") or {}
        if resource.get("Type") == "AWS::Serverless::Function" and isinstance(props.get("CodeUri"), str):
            if not props["CodeUri"].startswith("s3://"):
                props["CodeUri"] = code_uri(logical_id, props["CodeUri"])
    translator = Translator(None, Parser(), boto_session=boto3.session.Session(region_name=region))
    # The translator logs notes about its feature toggles; only its errors matter here.
    logging.getLogger("samtranslator").setLevel(logging.ERROR)
    return translator.translate(fragment, {}, get_managed_policy_map=lambda: {})


def translate_service(rel: str, template: dict, region: str) -> Translation:
    """The SAM transform's findings on the service template (and its output)."""
    from samtranslator.model.exceptions import InvalidDocumentException

    try:
        return Translation(transform(template, region, lambda _, path: f"s3://pipekit-validate/{path.lstrip('./')}.zip"))
    except InvalidDocumentException as exc:
        return Translation(None, [Finding("sam-translator", rel, None, None, "transform", "error", str(c.message)) for c in exc.causes])
    except Exception as exc:  # the translator raises many types; each is a finding, not a crash
        return Translation(None, [Finding("sam-translator", rel, None, None, "transform", "error", str(exc))])


def _plain(value: Any) -> Any:
    """A deep copy as plain data: cfn-lint's decoder returns dict/str subclasses with line
    marks, which the translator does not take."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value
