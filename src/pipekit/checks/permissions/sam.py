"""The service template as CloudFormation deploys it: after the SAM transform.

Runs the same translator CloudFormation runs, offline (as checks/validate.py does),
and returns its output. `aws cloudformation package` would have turned local CodeUri
paths into objects in the artifact bucket; they stand in here as objects under
packages/ whose key is unknown, so that reading the code is checked against the
artifact bucket and key like every other artifact read."""

from __future__ import annotations

import copy
import logging
from typing import Any, Optional

from pipekit.checks.permissions.unknown import unknown


class TransformError(Exception):
    pass


def translate(template: dict[str, Any], region: str, code_bucket: str, parameters: Optional[dict[str, str]] = None) -> dict[str, Any]:
    import boto3
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    fragment = copy.deepcopy(_plain(template))
    for logical_id, resource in (fragment.get("Resources") or {}).items():
        props = resource.get("Properties") or {}
        if resource.get("Type") == "AWS::Serverless::Function" and isinstance(props.get("CodeUri"), str):
            if not props["CodeUri"].startswith("s3://"):
                props["CodeUri"] = f"s3://{code_bucket}/packages/{unknown(f'package of {logical_id}')}"
    logging.getLogger("samtranslator").setLevel(logging.ERROR)
    translator = Translator(None, Parser(), boto_session=boto3.session.Session(region_name=region))
    try:
        return translator.translate(fragment, dict(parameters or {}), get_managed_policy_map=lambda: {})
    except Exception as exc:  # validate reports transform errors; here there is nothing to check
        raise TransformError(str(exc)) from exc


def _plain(value: Any) -> Any:
    """cfn-lint's decoder returns dict/str subclasses with line marks; the translator
    wants plain data."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value
