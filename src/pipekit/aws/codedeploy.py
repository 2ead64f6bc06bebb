"""CodeDeploy: the service's traffic shifts, and stopping one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ACTIVE = ("Created", "Queued", "InProgress", "Ready", "Baking")


@dataclass(frozen=True)
class Deployment:
    deployment_id: str
    application: str
    group: str
    status: str
    progress: str = ""  # e.g. "2 of 10 succeeded"

    @property
    def active(self) -> bool:
        return self.status in ACTIVE


class CodeDeploy:
    def __init__(self, client: Any) -> None:
        self.client = client

    def active_deployments(self, application: str, group: str) -> list[Deployment]:
        ids = self.client.list_deployments(
            applicationName=application, deploymentGroupName=group, includeOnlyStatuses=list(ACTIVE)
        ).get("deployments", [])
        return [self.deployment(i) for i in ids]

    def deployment(self, deployment_id: str) -> Deployment:
        info = self.client.get_deployment(deploymentId=deployment_id)["deploymentInfo"]
        overview = info.get("deploymentOverview") or {}
        total = sum(overview.values())
        progress = f"{overview.get('Succeeded', 0)} of {total} succeeded" if total else ""
        return Deployment(
            deployment_id=info["deploymentId"],
            application=info.get("applicationName", ""),
            group=info.get("deploymentGroupName", ""),
            status=info.get("status", ""),
            progress=progress,
        )

    def stop_deployment(self, params: dict[str, Any]) -> str:
        """StopDeployment with the planned parameters, as they are."""
        return self.client.stop_deployment(**params).get("status", "")
