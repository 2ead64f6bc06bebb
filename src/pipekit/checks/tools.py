"""The field's own tools, run offline: cfn-lint over every template with one runner (as
its own CLI does, so its rules load once), and the SAM transform CloudFormation runs."""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field
from typing import Any, Optional

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


def translate_service(rel: str, template: dict, region: str) -> Translation:
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
        return Translation(translator.translate(fragment, {}, get_managed_policy_map=lambda: {}))
    except InvalidDocumentException as exc:
        return Translation(None, [Finding("sam-translator", rel, None, None, "transform", "error", str(c.message)) for c in exc.causes])
    except Exception as exc:  # the translator raises many types; each is a finding, not a crash
        return Translation(None, [Finding("sam-translator", rel, None, None, "transform", "error", str(exc))])
