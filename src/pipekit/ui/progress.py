"""Deploy progress: a live table of resources on a terminal, one plain line per event
elsewhere (CI logs), or one JSON object per line with --format json."""

from __future__ import annotations

import json
import time
from typing import Optional

from rich.live import Live
from rich.table import Table
from rich.text import Text

from pipekit import deploy
from pipekit.ui.changes import change_set_json, change_set_table
from pipekit.ui.console import out

STATUS_STYLES = (("FAILED", "bold red"), ("ROLLBACK", "red"), ("COMPLETE", "green"), ("IN_PROGRESS", "yellow"))


def _style(status: str) -> str:
    return next((style for key, style in STATUS_STYLES if key in status), "")


class DeployReporter:
    """Receives the deployer's events and shows them as the output mode asks."""

    def __init__(self, output_format: str) -> None:
        self.json = output_format == "json"
        self.console = out()
        self.live_mode = self.console.is_terminal and not self.json
        self._live: Optional[Live] = None
        self._rows: dict[str, tuple[str, str, str, float]] = {}
        self._started = time.monotonic()

    # events from the core
    def __call__(self, event: deploy.Event) -> None:
        if isinstance(event, deploy.ChangeSetCreating):
            self._line("change_set_creating", f"{event.stack}: creating {event.change_set_type} change set {event.change_set}",
                       stack=event.stack, change_set=event.change_set, type=event.change_set_type)
        elif isinstance(event, deploy.StackReplacing):
            self._line("stack_replacing", f"{event.stack}: deleting the stack left in {event.status} before creating it again",
                       stack=event.stack, status=event.status)
        elif isinstance(event, deploy.ChangeSetReady):
            if self.json:
                self._emit({"event": "change_set_ready", **change_set_json(event.change_set)})
            else:
                self.console.print(change_set_table(event.change_set))
        elif isinstance(event, deploy.ResourceEvent):
            self._resource(event.event)

    def _resource(self, event) -> None:
        if self.json:
            self._emit({
                "event": "stack_event", "stack": event.stack_name, "logical_id": event.logical_id,
                "resource_type": event.resource_type, "status": event.status, "reason": event.reason,
                "timestamp": event.timestamp.isoformat(),
            })
        elif self.live_mode:
            self._rows[event.logical_id] = (event.resource_type, event.status, event.reason, time.monotonic())
            if self._live is None:
                self._live = Live(self._table(), console=self.console, refresh_per_second=4, transient=False)
                self._live.start()
            self._live.update(self._table())
        else:
            reason = f"  {event.reason}" if event.reason else ""
            print(f"{event.timestamp:%H:%M:%S} {event.stack_name} {event.logical_id} {event.resource_type} {event.status}{reason}", flush=True)

    def _table(self) -> Table:
        table = Table(show_edge=False, title=f"elapsed {time.monotonic() - self._started:.0f}s", title_justify="left")
        for column in ("Resource", "Type", "Status", "Reason"):
            table.add_column(column)
        for logical_id, (kind, status, reason, _) in self._rows.items():
            table.add_row(logical_id, kind, Text(status, style=_style(status)), Text(reason, style="dim"))
        return table

    def stop(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None
            self._rows.clear()

    # things the command reports
    def plan(self, plans: list[deploy.StackPlan], dry_run: bool) -> None:
        if self.json:
            self._emit({"event": "plan", "dry_run": dry_run, "stacks": [_plan_json(p) for p in plans]})
            return
        for index, plan in enumerate(plans, 1):
            self.console.print(Text.assemble((f"{index}. {plan.stack_name}", "bold"), f"  in {plan.account} ({plan.account_id}): {plan.reason}"))
            self.console.print(f"   template {plan.template}; capabilities {', '.join(plan.capabilities) or 'none'}")
            for key, value in sorted(plan.parameters.items()):
                shown = value.describe() if isinstance(value, deploy.FromOutput) else value
                self.console.print(f"   parameter {key} = {shown}")

    def outcome(self, outcome: deploy.Outcome) -> None:
        self.stop()
        if self.json:
            self._emit({"event": "stack_result", **outcome_json(outcome)})
            return
        messages = {
            "no_changes": f"{outcome.stack}: no changes; the empty change set was deleted",
            "created_only": f"{outcome.stack}: change set {outcome.change_set} created and left for review (--no-execute)",
            "declined": f"{outcome.stack}: not executed; change set {outcome.change_set} is left for review",
            "succeeded": f"{outcome.stack}: {outcome.status} in {outcome.seconds:.1f}s",
            "failed": f"{outcome.stack}: {outcome.status}",
        }
        style = "green" if outcome.result == "succeeded" else ("bold red" if outcome.result == "failed" else "")
        self.console.print(Text(messages[outcome.result], style=style))
        if outcome.root_cause:
            cause = outcome.root_cause
            self.console.print(Text.assemble(("cause: ", "bold"), f"{cause.logical_id} ({cause.resource_type}) {cause.status}: {cause.reason}"))
        for step in outcome.next_steps:
            self.console.print(Text.assemble(("next: ", "bold"), step))

    def summary(self, outcomes: list[deploy.Outcome], ok: bool) -> None:
        if self.json:
            self._emit({"event": "summary", "ok": ok, "stacks": [outcome_json(o) for o in outcomes]})

    def _line(self, kind: str, text: str, **fields) -> None:
        if self.json:
            self._emit({"event": kind, **fields})
        else:
            self.console.print(Text(text, style="dim"))

    def _emit(self, document: dict) -> None:
        print(json.dumps(document, default=str), flush=True)


def _plan_json(plan: deploy.StackPlan) -> dict:
    return {
        "account": plan.account,
        "account_id": plan.account_id,
        "stack": plan.stack_name,
        "template": str(plan.template),
        "reason": plan.reason,
        "capabilities": list(plan.capabilities),
        "parameters": {
            k: ({"from_stack": v.stack, "output": v.output, "account": v.account} if isinstance(v, deploy.FromOutput) else v)
            for k, v in sorted(plan.parameters.items())
        },
        "tags": plan.tags,
    }


def outcome_json(outcome: deploy.Outcome) -> dict:
    cause = outcome.root_cause
    return {
        "stack": outcome.stack,
        "result": outcome.result,
        "status": outcome.status,
        "change_set": outcome.change_set,
        "seconds": round(outcome.seconds, 3),
        "root_cause": None if cause is None else {
            "stack": cause.stack, "logical_id": cause.logical_id, "resource_type": cause.resource_type,
            "status": cause.status, "reason": cause.reason,
        },
        "next_steps": list(outcome.next_steps),
        "outputs": outcome.outputs,
    }
