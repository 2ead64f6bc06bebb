"""Where the pipeline tells people of approvals needed and failed executions: email (SNS),
Slack and Microsoft Teams (through Amazon Q Developer in chat applications)."""

from __future__ import annotations

import re
from typing import Optional

from pydantic import Field, field_validator

from pipekit.config.hooks import _Model


# The ids' patterns are those of cfn-lint's schemas for AWS::Chatbot::SlackChannelConfiguration
# and MicrosoftTeamsChannelConfiguration (tests/test_chat_notifications.py keeps them equal).
SLACK_WORKSPACE_ID = r"^[0-9A-Z]{1,255}$"
SLACK_CHANNEL_ID = r"^[A-Za-z0-9]+$"
TEAMS_UUID = r"^[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}$"
TEAMS_CHANNEL_ID = r"^([a-zA-Z0-9-_=+/.,])*%3[aA]([a-zA-Z0-9-_=+/.,])*%40([a-zA-Z0-9-_=+/.,])*$"


class SlackChannel(_Model):
    workspace_id: str = Field(pattern=SLACK_WORKSPACE_ID, description="the Slack workspace's id, authorized once in the console, e.g. T012AB3CD")
    channel_id: str = Field(pattern=SLACK_CHANNEL_ID, description="the channel's id (channel details in Slack), e.g. C012AB3CD")


class TeamsChannel(_Model):
    team_id: str = Field(pattern=TEAMS_UUID, description="the team's id (a UUID), authorized once in the console")
    tenant_id: str = Field(pattern=TEAMS_UUID, description="the Microsoft Entra tenant's id (a UUID)")
    channel_id: str = Field(pattern=TEAMS_CHANNEL_ID, description="the channel's id as in its link, URL-encoded: 19%3a...%40thread.tacv2")


class Notifications(_Model):
    email: Optional[str] = Field(default=None, description="subscribed to approvals and pipeline failures")
    slack: Optional[SlackChannel] = Field(default=None, description="a Slack channel told of approvals needed and failed executions")
    teams: Optional[TeamsChannel] = Field(default=None, description="a Microsoft Teams channel told of approvals needed and failed executions")

    @field_validator("email")
    @classmethod
    def _email(cls, value: Optional[str]) -> Optional[str]:
        if value is not None and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", value):
            raise ValueError(f"expected an email address such as releases@example.com, got {value!r}")
        return value
