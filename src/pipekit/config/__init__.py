"""pipekit.yaml: its models and how it is read.

Names are loaded on first use (PEP 562): BUILD_ACCOUNT or load_config must not cost a
command pydantic's import, which parse_config and the models need."""

from typing import Any

_HOMES = {
    "BUILD_ACCOUNT": "pipekit.config.constants",
    "DEPLOYMENT_TYPES": "pipekit.config.constants",
    "DEFAULT_CONFIG": "pipekit.config.constants",
    "load_config": "pipekit.config.load",
    "parse_config": "pipekit.config.parse",
    "Config": "pipekit.config.models",
    "Environment": "pipekit.config.models",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'pipekit.config' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_HOMES[name]), name)
