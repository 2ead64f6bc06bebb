"""CloudWatch: alarm history, as plain data."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class AlarmStateChange:
    alarm: str
    at: datetime
    old: str
    new: str  # OK | ALARM | INSUFFICIENT_DATA
    summary: str


class CloudWatch:
    def __init__(self, client: Any) -> None:
        self.client = client

    def state_changes(self, start: datetime, end: datetime) -> list[AlarmStateChange]:
        """Every alarm's state changes in [start, end], oldest first (DescribeAlarmHistory,
        all pages, metric and composite alarms)."""
        kwargs: dict[str, Any] = {
            "HistoryItemType": "StateUpdate", "StartDate": start, "EndDate": end,
            "AlarmTypes": ["MetricAlarm", "CompositeAlarm"], "ScanBy": "TimestampAscending",
        }
        changes = []
        while True:
            page = self.client.describe_alarm_history(**kwargs)
            for item in page.get("AlarmHistoryItems", []):
                try:
                    data = json.loads(item.get("HistoryData") or "{}")
                except ValueError:
                    data = {}
                changes.append(AlarmStateChange(
                    item.get("AlarmName", ""), item["Timestamp"],
                    (data.get("oldState") or {}).get("stateValue", ""), (data.get("newState") or {}).get("stateValue", ""),
                    item.get("HistorySummary", ""),
                ))
            if not page.get("NextToken"):
                return changes
            kwargs["NextToken"] = page["NextToken"]
