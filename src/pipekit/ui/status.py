"""pipekit status as text: one block per environment, then the pipeline. On a terminal
the environments fill in as they are read (a live view) and states are coloured; off a
terminal each block is printed as plain lines, in the config's order, as soon as the
ones before it are read."""

from __future__ import annotations

from typing import Any, Optional

from rich.text import Text

from pipekit.ui.styles import status_style


def _state(text: str) -> tuple[str, str]:
    return text, status_style(text)


def environment_lines(env: dict[str, Any]) -> list[Text]:
    stack = env["stack"]
    lines = [Text.assemble((env["environment"], "bold"), f" (account {env['account']}, {env['account_id']})")]
    if stack:
        updated = f" (updated {stack['last_updated']})" if stack["last_updated"] else ""
        lines.append(Text.assemble(f"  stack {stack['name']}: ", _state(stack["status"]), updated))
    elif not env["errors"]:  # null in JSON: read, and not there
        lines.append(Text.assemble("  stack: ", ("not deployed", "dim")))
    for fn in env["functions"]:
        weights = ", ".join(f"v{version} {share:.0%}" for version, share in fn["weights"].items())
        lines.append(Text.assemble(f"  {fn['function']}:{fn['alias']} -> {weights}", ("  traffic shifting", "yellow") if fn["shifting"] else ""))
    for deployment in env["deployments"]:
        progress = f" {deployment['progress']}".rstrip()
        lines.append(Text.assemble(f"  deployment {deployment['id']} ({deployment['group']}): ", _state(deployment["status"]), progress))
    for alarm in env.get("alarms", []):
        lines.append(Text.assemble(f"  alarm {alarm['name']}: ", (alarm["state"], "bold red" if alarm["state"] == "ALARM" else "")))
    lines += [Text.assemble(("  unavailable: ", "red"), error) for error in env["errors"]]
    return lines


def setup_lines(setup: dict[str, Any]) -> list[Text]:
    """pipekit's own stacks in deploy order, then what is still to deploy."""
    if not setup["to_deploy"] and not setup["errors"]:
        return [Text.assemble(("setup", "bold"), ": every stack in place")]
    lines = [Text("setup", style="bold")]
    for stack in setup["stacks"]:
        state = "unknown" if stack["in_place"] is None else (stack["status"] or "not deployed")
        lines.append(Text.assemble(f"  {stack['stack']} in {stack['account']} ({stack['account_id']}): ", _state(state)))
    if setup["to_deploy"]:
        lines.append(Text("  still to deploy, in order:", style="yellow"))
        lines += [Text.assemble(f"    {index}. {step['stack']} in {step['account']}: ", (step["command"], "bold"))
                  for index, step in enumerate(setup["to_deploy"], 1)]
    lines += [Text.assemble(("  unavailable: ", "red"), error) for error in setup["errors"]]
    return lines


def print_setup(setup: dict[str, Any]) -> None:
    from pipekit.ui.console import out

    out().print(_block(setup_lines(setup)))


def pipeline_lines(pipeline: dict[str, Any]) -> list[Text]:
    lines = [Text(f"pipeline {pipeline['name']}", style="bold")]
    for stage in pipeline["stages"]:
        rest = " ".join(part for part in (stage["execution_id"], stage["revision"], f"started {stage['started']}" if stage["started"] else "") if part)
        lines.append(Text.assemble(f"  {stage['name']}: ", _state(stage["status"] or "-"), f" {rest}" if rest else ""))
        for condition in stage.get("conditions", []):
            if condition["blocked"]:
                lines.append(Text.assemble(("    blocked: ", "red"), condition["reason"]))
            else:
                lines.append(Text(f"    {condition['kind'].replace('_', ' ')} condition: {condition['status']}"))
    for approval in pipeline["waiting_approvals"]:
        lines.append(Text.assemble(("  waiting for approval: ", "yellow"),
                                   f"{approval['stage']}/{approval['action']} since {approval['since']} -> ", (approval["answer_with"], "bold")))
    lines += [Text.assemble(("  unavailable: ", "red"), error) for error in pipeline["errors"]]
    return lines


def _block(lines: list[Text]) -> Text:
    return Text("\n").join(lines)


class StatusView:
    """Told of each environment as it arrives (arrived), then of the whole report (close)."""

    def __init__(self, names: list[str]) -> None:
        from pipekit.ui.console import out

        self.names = names
        self.ready: dict[int, dict[str, Any]] = {}
        self.printed = 0
        self.console = out()
        self.live: Optional[Any] = None
        if self.console.is_terminal:
            from rich.live import Live

            self.live = Live(self._view(), console=self.console, refresh_per_second=8)
            self.live.start()

    def arrived(self, index: int, env: dict[str, Any]) -> None:
        self.ready[index] = env
        if self.live is not None:
            self.live.update(self._view(), refresh=True)
            return
        while self.printed in self.ready:  # plain lines keep the config's order
            self.console.print(_block(environment_lines(self.ready[self.printed])))
            self.printed += 1

    def close(self, report: Optional[dict[str, Any]]) -> None:
        if self.live is not None:
            self.live.update(self._view(), refresh=True)
            self.live.stop()
        if report is not None:
            self.console.print(_block(pipeline_lines(report["pipeline"])))

    def _view(self) -> Any:
        from rich.console import Group

        parts = []
        for index, name in enumerate(self.names):
            if index in self.ready:
                parts.append(_block(environment_lines(self.ready[index])))
            else:
                parts.append(Text(f"{name} ... reading", style="dim"))
        return Group(*parts)


class WatchView:
    """status --watch: the whole status redrawn in place on a terminal, with what changed
    last; elsewhere one JSON object per change (time, changed, status)."""

    def __init__(self, interval: float, as_json: bool) -> None:
        from pipekit.ui.console import out

        self.interval = interval
        self.console = out()
        self.json = as_json or not self.console.is_terminal
        self.live: Optional[Any] = None

    def changed(self, report: dict[str, Any], changes: list[str]) -> None:
        from datetime import datetime, timezone

        now = datetime.now(timezone.utc)
        if self.json:
            import json

            print(json.dumps({"time": now.isoformat(timespec="seconds"), "changed": changes, "status": report}), flush=True)
            return
        from rich.console import Group

        lines = [line for env in report["environments"] for line in environment_lines(env)] + pipeline_lines(report["pipeline"])
        header = Text(f"every {self.interval:g}s; changed at {now:%H:%M:%S} UTC: {', '.join(changes)}. Ctrl-C stops.", style="dim")
        view = Group(header, _block(lines))
        if self.live is None:
            from rich.live import Live

            self.live = Live(view, console=self.console, refresh_per_second=4)
            self.live.start()
        else:
            self.live.update(view, refresh=True)

    def close(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None
