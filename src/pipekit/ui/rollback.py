"""How rollback reports its plan and progress."""

from __future__ import annotations

import json
from typing import Optional

from pipekit.recovery.rollback import RollbackPlan
from pipekit.recovery.runner import Progress, RollbackResult
from pipekit.release.follow import ResourceEvent
from pipekit.ui.deploy_report import PlainReporter, make_reporter


class RollbackReporter:
    def __init__(self, output_format: str, events: Optional[PlainReporter] = None) -> None:
        self.json = output_format == "json"
        # Stack events and waits read as they do in `pipekit deploy`: on a terminal a live
        # view whose phase and elapsed time move between AWS's answers.
        self.events = events or make_reporter(output_format)

    def _emit(self, document: dict) -> None:
        print(json.dumps(document, default=str), flush=True)

    def plan(self, rollback: RollbackPlan, dry_run: bool) -> None:
        if self.json:
            self._emit({"event": "plan", "dry_run": dry_run, **plan_json(rollback)})
            return
        print(f"Rollback plan for {rollback.env}: {rollback.remedy.replace('_', ' ')}")
        for index, step in enumerate(rollback.steps, 1):
            print(f"  {index}. {step.api} on {step.target} in {step.account}")
            print(f"     why: {step.reason}")
        for detail in rollback.details:
            print(f"  note: {detail}")
        if dry_run:
            print("Dry run: nothing was changed.")

    def __call__(self, event) -> None:
        if isinstance(event, Progress):
            if self.json:
                self._emit({"event": "progress", "api": event.step.api, "target": event.step.target, "message": event.message})
            else:
                self.events.progress(event.step.target, event.message)
        elif isinstance(event, ResourceEvent):
            self.events(event)

    def finished(self, result: RollbackResult) -> None:
        self.events.stop()
        lines = [step.description for step in result.steps]
        if self.json:
            self._emit({"event": "summary", "ok": result.ok, "remedy": result.plan.remedy, "results": lines})
        else:
            for line in lines:
                print(line)
            print("Rolled back." if result.ok else "The rollback did not end as it should; see above and `pipekit status`.")


def plan_json(rollback: RollbackPlan) -> dict:
    return {
        "environment": rollback.env,
        "remedy": rollback.remedy,
        "steps": [{"account": s.account, "api": s.api, "target": s.target, "params": s.params, "reason": s.reason} for s in rollback.steps],
        "details": list(rollback.details),
    }
