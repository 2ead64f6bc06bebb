"""The colours states are shown in, the same in every command."""

from __future__ import annotations

STATUS_STYLES = (
    ("FAILED", "bold red"), ("ROLLBACK", "red"), ("COMPLETE", "green"), ("IN_PROGRESS", "yellow"),
    # CodePipeline's and CodeDeploy's words for the same
    ("Failed", "bold red"), ("Stopped", "red"), ("Succeeded", "green"), ("InProgress", "yellow"),
)


def status_style(status: str) -> str:
    return next((style for key, style in STATUS_STYLES if key in status), "")
