"""Names from pipekit.yaml's schema that code outside the config needs, without pydantic."""

DEFAULT_CONFIG = "pipekit.yaml"
BUILD_ACCOUNT = "build"

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
