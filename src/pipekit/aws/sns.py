"""SNS: a message to a topic (the review's verdict to the chat channels)."""

from __future__ import annotations

from typing import Any


class SNS:
    def __init__(self, client: Any) -> None:
        self.client = client

    def publish(self, topic_arn: str, message: str) -> None:
        self.client.publish(TopicArn=topic_arn, Message=message)
