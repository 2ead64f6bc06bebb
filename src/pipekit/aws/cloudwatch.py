"""CloudWatch: alarm states and alarm history, as plain data."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional


@dataclass(frozen=True)
class AlarmStateChange:
    alarm: str
    at: datetime
    old: str
    new: str  # OK | ALARM | INSUFFICIENT_DATA
    summary: str


@dataclass(frozen=True)
class Alarm:
    name: str
    state: str  # OK | ALARM | INSUFFICIENT_DATA
    reason: str = ""
    since: Optional[datetime] = None


class CloudWatch:
    def __init__(self, client: Any) -> None:
        self.client = client

    def alarms(self, alarm_names: list[str]) -> list[Alarm]:
        """Those of the named metric alarms that exist, by name (at most 100 names, the
        API's limit per call)."""
        if not alarm_names:
            return []
        found: list[Alarm] = []
        kwargs: dict[str, Any] = {"AlarmNames": alarm_names[:100], "AlarmTypes": ["MetricAlarm"]}
        while True:
            page = self.client.describe_alarms(**kwargs)
            for raw in page.get("MetricAlarms", []):
                found.append(Alarm(raw["AlarmName"], raw.get("StateValue", ""), raw.get("StateReason", ""), raw.get("StateUpdatedTimestamp")))
            token = page.get("NextToken")
            if not token:
                return sorted(found, key=lambda a: a.name)
            kwargs["NextToken"] = token

    def state_changes(self, start: datetime, end: datetime, alarm_names: Optional[list[str]] = None) -> list[AlarmStateChange]:
        """Every alarm's state changes in [start, end], oldest first (DescribeAlarmHistory,
        all pages, metric and composite alarms); with alarm_names, only those alarms, one
        call each (a role scoped to them may not read the whole history)."""
        if alarm_names is not None:
            found = [c for name in alarm_names for c in self._history(start, end, AlarmName=name)]
            return sorted(found, key=lambda c: c.at)
        return self._history(start, end)

    def _history(self, start: datetime, end: datetime, **only: Any) -> list[AlarmStateChange]:
        kwargs: dict[str, Any] = {
            "HistoryItemType": "StateUpdate", "StartDate": start, "EndDate": end,
            "AlarmTypes": ["MetricAlarm", "CompositeAlarm"], "ScanBy": "TimestampAscending", **only,
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
