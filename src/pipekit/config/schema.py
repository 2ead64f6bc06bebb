"""The JSON Schema of pipekit.yaml, generated from the pydantic models (one source: the
schema cannot disagree with what loading accepts)."""

from __future__ import annotations

import json

from pipekit.config.models import Config

# Where `pipekit render` keeps it, relative to the project folder; pipekit.yaml points there.
SCHEMA_PATH = ".pipekit/pipekit.schema.json"
MODELINE = f"# yaml-language-server: $schema={SCHEMA_PATH}"


def schema() -> dict:
    document = Config.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "pipekit.yaml",
        "description": "pipekit configuration: a cross-account delivery pipeline for a .NET service",
        **{key: value for key, value in document.items() if key not in ("title", "description")},
    }


def schema_text() -> str:
    return json.dumps(schema(), indent=2, sort_keys=False) + "\n"
