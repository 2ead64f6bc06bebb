"""pipekit.yaml: its models and how it is read."""

from pipekit.config.load import DEFAULT_CONFIG, load_config, parse_config
from pipekit.config.models import BUILD_ACCOUNT, DEPLOYMENT_TYPES, Config, Environment

__all__ = ["BUILD_ACCOUNT", "DEFAULT_CONFIG", "DEPLOYMENT_TYPES", "Config", "Environment", "load_config", "parse_config"]
