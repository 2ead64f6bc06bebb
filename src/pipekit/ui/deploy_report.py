"""How deploy reports: one plain line per event in logs, one JSON object per line with
--format json, and (ui/live.py) a live table on a terminal. Plain and JSON reporting
import no rich: a deploy from CI should not pay for a terminal UI."""

from __future__ import annotations

import json
import sys
import threading
from datetime import datetime, timezone
from typing import Optional

from pipekit.release import deploy
from pipekit.aws.cloudformation import StackEvent
from pipekit.ui.heartbeat import Heartbeat
from pipekit.ui.review import render_lines, to_json

RESULT_TEXT = {
    "no_changes": "{stack}: no changes; the empty change set was deleted",
    "created_only": "{stack}: change set {change_set} created and left for review (--no-execute)",
    "declined": "{stack}: not executed; change set {change_set} is left for review",
    "succeeded": "{stack}: {status} in {seconds:.1f}s",
    "failed": "{stack}: {status}",
    "waiting": "{stack}: not created yet; it waits for the target accounts",
}


def make_reporter(output_format: str) -> "PlainReporter":
    if output_format == "json":
        return JsonReporter()
    if sys.stdout.isatty():
        from pipekit.ui.live import LiveReporter

        return LiveReporter()
    return PlainReporter()


def plan_lines(plans: list[deploy.StackPlan]) -> list[str]:
    lines = []
    for index, plan in enumerate(plans, 1):
        lines.append(f"{index}. {plan.stack_name}  in {plan.account} ({plan.account_id}): {plan.reason}")
        lines.append(f"   template {plan.template}; capabilities {', '.join(plan.capabilities) or 'none'}")
        for key, value in sorted(plan.parameters.items()):
            shown = value.describe() if isinstance(value, deploy.FromOutput) else value
            lines.append(f"   parameter {key} = {shown}")
    return lines


def outcome_lines(outcome: deploy.StackOutcome) -> list[str]:
    lines = [RESULT_TEXT[outcome.result].format(
        stack=outcome.stack, change_set=outcome.change_set, status=outcome.status, seconds=outcome.seconds)]
    if outcome.root_cause:
        cause = outcome.root_cause
        where = f" in {cause.stack}" if cause.stack != outcome.stack else ""
        lines.append(f"cause: {cause.logical_id} ({cause.resource_type}){where} {cause.status}: {cause.reason}")
    lines += [f"next: {step}" for step in outcome.next_steps]
    return lines


class PlainReporter:
    """Plain lines on stdout, flushed as they come (CI logs); during a silent wait, a
    heartbeat line every 30 s (ui/heartbeat.py)."""

    _heartbeat: Optional[Heartbeat] = None
    _print_lock = threading.Lock()

    def __call__(self, event: deploy.Event) -> None:
        if isinstance(event, deploy.ChangeSetCreating):
            self.say(f"{event.stack}: creating {event.change_set_type} change set {event.change_set}")
            self.waiting(event.stack, f"creating change set {event.change_set}")
        elif isinstance(event, deploy.StackReplacing):
            self.say(f"{event.stack}: deleting the stack left in {event.status} before creating it again")
            self.waiting(event.stack, f"deleting the stack left in {event.status}")
        elif isinstance(event, deploy.ChangeSetReady):
            self.quiet()  # what follows is a question or execute, not a wait on AWS
            self.change_set(event.review)
        elif isinstance(event, deploy.ResourceEvent):
            self.resource(event.event)
        elif isinstance(event, deploy.WaitingForOtherDeploy):
            self.say(f"{event.other.describe(datetime.now(timezone.utc))}; waiting (--wait)")
            self.waiting(event.other.stack, "queued behind another deploy (--wait)")

    def say(self, line: str, style: str = "") -> None:
        with self._print_lock:
            print(line, flush=True)
        if self._heartbeat is not None:
            self._heartbeat.said()

    def waiting(self, stack: str, what: str) -> None:
        """A wait on AWS begins; the heartbeat speaks if it stays silent."""
        if self._heartbeat is None:
            self._heartbeat = Heartbeat(self.say)
        self._heartbeat.phase(stack, what)
        self._heartbeat.start()

    def quiet(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.stop()

    def executing(self, stack: str, change_set: str) -> None:
        """The change set was approved (or --yes) and is being executed."""
        self.say(f"{stack}: executing change set {change_set}")
        self.waiting(stack, f"executing change set {change_set}")

    def progress(self, subject: str, message: str) -> None:
        """A long wait outside a deploy's change set (a rollback's step): what it is at now."""
        self.say(f"  {message}")
        self.waiting(subject, message)

    def change_set(self, review) -> None:
        for line in render_lines(review):
            self.say(line)

    def resource(self, event: StackEvent) -> None:
        reason = f"  {event.reason}" if event.reason else ""
        self.say(f"{event.timestamp:%H:%M:%S} {event.stack_name} {event.logical_id} {event.resource_type} {event.status}{reason}")

    def plan(self, plans: list[deploy.StackPlan], dry_run: bool) -> None:
        for line in plan_lines(plans):
            self.say(line)

    def outcome(self, outcome: deploy.StackOutcome) -> None:
        self.stop()
        style = {"succeeded": "green", "failed": "bold red"}.get(outcome.result, "")
        for line in outcome_lines(outcome):
            self.say(line, style)

    def summary(self, outcomes: list[deploy.StackOutcome], ok: bool) -> None:
        pass

    def stop(self) -> None:
        """End any live display or heartbeat, e.g. before asking a question."""
        self.quiet()


class JsonReporter(PlainReporter):
    """One JSON object per line: the plan, each event, each stack's result, a summary."""

    def __call__(self, event: deploy.Event) -> None:
        if isinstance(event, deploy.ChangeSetCreating):
            self.emit({"event": "change_set_creating", "stack": event.stack, "change_set": event.change_set, "type": event.change_set_type})
        elif isinstance(event, deploy.StackReplacing):
            self.emit({"event": "stack_replacing", "stack": event.stack, "status": event.status})
        elif isinstance(event, deploy.ChangeSetReady):
            self.emit({"event": "change_set_ready", **to_json(event.review)})
        elif isinstance(event, deploy.ResourceEvent):
            e = event.event
            self.emit({"event": "stack_event", "stack": e.stack_name, "logical_id": e.logical_id, "resource_type": e.resource_type,
                       "status": e.status, "reason": e.reason, "timestamp": e.timestamp.isoformat()})
        elif isinstance(event, deploy.WaitingForOtherDeploy):
            other = event.other
            self.emit({"event": "waiting_for_other_deploy", "stack": other.stack, "what": other.what,
                       "since": other.since.isoformat() if other.since else None})

    def executing(self, stack: str, change_set: str) -> None:
        self.emit({"event": "change_set_executing", "stack": stack, "change_set": change_set})

    def plan(self, plans: list[deploy.StackPlan], dry_run: bool) -> None:
        self.emit({"event": "plan", "dry_run": dry_run, "stacks": [plan_json(p) for p in plans]})

    def outcome(self, outcome: deploy.StackOutcome) -> None:
        self.emit({"event": "stack_result", **outcome_json(outcome)})

    def summary(self, outcomes: list[deploy.StackOutcome], ok: bool) -> None:
        self.emit({"event": "summary", "ok": ok, "stacks": [outcome_json(o) for o in outcomes]})

    def emit(self, document: dict) -> None:
        print(json.dumps(document, default=str), flush=True)


def plan_json(plan: deploy.StackPlan) -> dict:
    return {
        "account": plan.account,
        "account_id": plan.account_id,
        "stack": plan.stack_name,
        "template": str(plan.template),
        "template_url": plan.template_url or None,
        "reason": plan.reason,
        "capabilities": list(plan.capabilities),
        "parameters": {
            k: ({"from_stack": v.stack, "output": v.output, "account": v.account} if isinstance(v, deploy.FromOutput) else v)
            for k, v in sorted(plan.parameters.items())
        },
        "tags": plan.tags,
    }


def outcome_json(outcome: deploy.StackOutcome) -> dict:
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
