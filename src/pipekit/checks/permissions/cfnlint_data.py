"""cfn-lint's data files (resource provider schemas, IAM policy data) read where cfn-lint
keeps them, without importing cfn-lint: its package import costs about 0.7 s of CPU, and
`pipekit render` needs only the schemas of the few resource types its service template
holds. The schema folder is chosen as cfnlint.schema.manager chooses it (the bundled
schemas, or cfn-lint's cache from --update-specs when that is newer); when neither is
there, cfn-lint's own manager is asked (it downloads them)."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional


@lru_cache(maxsize=1)
def package_dir() -> Path:
    spec = importlib.util.find_spec("cfnlint")
    if spec is None or not spec.origin:
        raise ModuleNotFoundError("cfn-lint is not installed")
    return Path(spec.origin).parent


def _cache_dir() -> Path:
    # cfnlint.helpers.get_cache_dir
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA", os.path.expanduser("~\\AppData\\Local"))
    elif sys.platform == "darwin":
        base = os.path.expanduser("~/Library/Caches")
    else:
        base = os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache"))
    return Path(base, "aws", "cfn-lint", "schemas")


def _schema_date(folder: Path) -> str:
    try:
        return str(json.loads((folder / "version.json").read_text(encoding="utf-8")).get("schema_date", ""))
    except (OSError, ValueError):
        return ""


def _has_providers(folder: Path) -> bool:
    providers = folder / "providers"
    return providers.is_dir() and any(providers.glob("*.json"))


@lru_cache(maxsize=1)
def schema_dir() -> Optional[Path]:
    """The folder holding providers/ and resources/, or None when cfn-lint has none yet."""
    bundled, cache = package_dir() / "data" / "schemas", _cache_dir()
    if _has_providers(bundled) and _has_providers(cache):
        return cache if _schema_date(cache) > _schema_date(bundled) else bundled
    if _has_providers(bundled):
        return bundled
    return cache if _has_providers(cache) else None


@lru_cache(maxsize=None)
def _pointers(folder: Path, region: str) -> dict[str, str]:
    """resource type -> schema file hash for the region (us-east-1's when the region has
    no file of its own), SAM's types included."""
    providers = folder / "providers"
    path = providers / f"{region}.json"
    if not path.exists():
        path = providers / "us-east-1.json"
    found: dict[str, str] = {}
    for source in (path, providers / "sam.json"):
        try:
            found.update(json.loads(source.read_text(encoding="utf-8")))
        except FileNotFoundError:
            pass
    return found


def resource_schema(region: str, resource_type: str) -> Optional[dict[str, Any]]:
    """The provider schema of a resource type in a region; None when cfn-lint has none."""
    if resource_type.startswith("Custom::"):
        resource_type = "AWS::CloudFormation::CustomResource"
    folder = schema_dir()
    if folder is None:
        return _from_manager(region, resource_type)
    digest = _pointers(folder, region).get(resource_type)
    if not digest:
        return None
    try:
        return json.loads((folder / "resources" / f"{digest}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _from_manager(region: str, resource_type: str) -> Optional[dict[str, Any]]:
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER
    from cfnlint.schema._exceptions import ResourceNotFoundError

    try:
        return PROVIDER_SCHEMA_MANAGER.get_resource_schema(region, resource_type).schema
    except ResourceNotFoundError:
        return None


def policies() -> dict[str, Any]:
    """cfn-lint's IAM policy data (data/AdditionalSpecs/Policies.json)."""
    return json.loads((package_dir() / "data" / "AdditionalSpecs" / "Policies.json").read_text(encoding="utf-8"))
