"""Permission preflight: proves offline, with IAM's evaluation rules, that every role
along pipekit's chain may do what CloudFormation, CodePipeline, CodeBuild, CodeDeploy
and the service's code will ask of it. Entry point: preflight(templates, cfg)."""

from pipekit.checks.permissions.model import PermissionFinding
from pipekit.checks.permissions.preflight import preflight

__all__ = ["PermissionFinding", "preflight"]
