"""pipekit status --watch: read the status report again and again (recovery/status.py's
report, unchanged), and say what changed each time something did."""

from __future__ import annotations

import time
from typing import Any, Callable, Optional

ENVIRONMENT_PARTS = ("stack", "functions", "deployments", "alarms", "errors")
PIPELINE_PARTS = ("stages", "waiting_approvals", "errors")


def changed_parts(before: Optional[dict[str, Any]], after: dict[str, Any]) -> list[str]:
    """What differs between two reports, as "<environment>: <part>" and "pipeline: <part>"
    (every part the first time)."""
    changes = []
    old_envs = {e["environment"]: e for e in (before or {}).get("environments", [])}
    for env in after["environments"]:
        old = old_envs.get(env["environment"], {})
        changes += [f"{env['environment']}: {part}" for part in ENVIRONMENT_PARTS if before is None or old.get(part) != env.get(part)]
    old_pipeline = (before or {}).get("pipeline", {})
    changes += [f"pipeline: {part}" for part in PIPELINE_PARTS if before is None or old_pipeline.get(part) != after["pipeline"].get(part)]
    return changes


def watch(read: Callable[[], dict[str, Any]], on_change: Callable[[dict[str, Any], list[str]], None], *, interval: float,
          sleep: Optional[Callable[[float], None]] = None, reads: Optional[int] = None) -> None:
    """Read every `interval` seconds and report each change, until interrupted (or after
    `reads` reads)."""
    previous: Optional[dict[str, Any]] = None
    done = 0
    while reads is None or done < reads:
        report = read()
        done += 1
        changes = changed_parts(previous, report)
        if changes:
            on_change(report, changes)
        previous = report
        if reads is None or done < reads:
            (sleep or time.sleep)(interval)
