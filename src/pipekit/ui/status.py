"""pipekit status as text: one block per environment, then the pipeline. On a terminal
the environments fill in as they are read (a live view); off a terminal each block is
printed as plain lines, in the config's order, as soon as the ones before it are read."""

from __future__ import annotations

from typing import Any, Optional


def environment_lines(env: dict[str, Any]) -> list[str]:
    stack = env["stack"]
    lines = [f"{env['environment']} (account {env['account']}, {env['account_id']})"]
    if stack:
        lines.append(f"  stack {stack['name']}: {stack['status']}" + (f" (updated {stack['last_updated']})" if stack["last_updated"] else ""))
    for fn in env["functions"]:
        weights = ", ".join(f"v{version} {share:.0%}" for version, share in fn["weights"].items())
        shifting = "  traffic shifting" if fn["shifting"] else ""
        lines.append(f"  {fn['function']}:{fn['alias']} -> {weights}{shifting}")
    for deployment in env["deployments"]:
        lines.append(f"  deployment {deployment['id']} ({deployment['group']}): {deployment['status']} {deployment['progress']}".rstrip())
    lines += [f"  unavailable: {error}" for error in env["errors"]]
    return lines


def pipeline_lines(pipeline: dict[str, Any]) -> list[str]:
    lines = [f"pipeline {pipeline['name']}"]
    for stage in pipeline["stages"]:
        revision = f" {stage['revision']}" if stage["revision"] else ""
        started = f" started {stage['started']}" if stage["started"] else ""
        lines.append(f"  {stage['name']}: {stage['status'] or '-'} {stage['execution_id']}{revision}{started}".rstrip())
    for approval in pipeline["waiting_approvals"]:
        lines.append(f"  waiting for approval: {approval['stage']}/{approval['action']} since {approval['since']} -> {approval['answer_with']}")
    lines += [f"  unavailable: {error}" for error in pipeline["errors"]]
    return lines


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
            print("\n".join(environment_lines(self.ready[self.printed])), flush=True)
            self.printed += 1

    def close(self, report: Optional[dict[str, Any]]) -> None:
        if self.live is not None:
            self.live.update(self._view(), refresh=True)
            self.live.stop()
        if report is not None:
            print("\n".join(pipeline_lines(report["pipeline"])))

    def _view(self) -> Any:
        from rich.console import Group
        from rich.text import Text

        parts = []
        for index, name in enumerate(self.names):
            if index in self.ready:
                parts.append(Text("\n".join(environment_lines(self.ready[index]))))
            else:
                parts.append(Text(f"{name} ... reading", style="dim"))
        return Group(*parts)
