"""Names from pipekit.yaml's schema that code outside the config needs, without pydantic."""

DEFAULT_CONFIG = "pipekit.yaml"
BUILD_ACCOUNT = "build"

# A real pipekit.yaml is a few KB; more is refused unread (config/safe_yaml.py has the
# other bounds).
MAX_CONFIG_BYTES = 1024 * 1024
CONFIG_TOO_LARGE = f"the file is larger than {MAX_CONFIG_BYTES // 1024} KiB; expected a pipekit.yaml of a few KB"

# CodeDeploy's predefined Lambda deployment configurations, as SAM's DeploymentPreference
# Type accepts them (without the "CodeDeployDefault.Lambda" prefix).
DEPLOYMENT_TYPES = (
    "AllAtOnce",
    "Canary10Percent5Minutes",
    "Canary10Percent10Minutes",
    "Canary10Percent15Minutes",
    "Canary10Percent30Minutes",
    "Linear10PercentEvery1Minute",
    "Linear10PercentEvery2Minutes",
    "Linear10PercentEvery3Minutes",
    "Linear10PercentEvery10Minutes",
)
