"""Deploy progress on a terminal: the change set as a table, and a live view of what is
happening now (creating the change set, waiting for review, executing: N of M resources
done), the resources with their latest state, and the elapsed time.

rich redraws the live view four times a second by calling the view's __rich__, which
reads the clock each time: the elapsed time moves and the phase shows even while
CloudFormation is silent (a long change-set creation, a quiet resource)."""

from __future__ import annotations

import time
from typing import Callable, Optional

from rich.console import Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from pipekit.aws.cloudformation import StackEvent
from pipekit.release import deploy
from pipekit.ui.console import out
from pipekit.ui.deploy_report import PlainReporter
from pipekit.ui.heartbeat import elapsed
from pipekit.ui.review import render_table
from pipekit.ui.styles import status_style

FINISHED = ("_COMPLETE", "_FAILED")


class DeployView:
    """What one stack's deploy looks like now; drawn afresh on every refresh."""

    def __init__(self, stack: str, clock: Callable[[], float]) -> None:
        self.stack, self.clock, self.started = stack, clock, clock()
        self.phase = ""
        self.total = 0  # resources the change set touches (0: not known yet)
        self.rows: dict[str, tuple[str, str, str]] = {}

    def done(self) -> int:
        return sum(1 for logical_id, (_, status, _) in self.rows.items() if logical_id != self.stack and status.endswith(FINISHED))

    def headline(self) -> str:
        phase = self.phase
        if self.rows:
            phase += f": {self.done()} of {self.total or '?'} resources done"
        return f"{self.stack}: {phase}  elapsed {elapsed(self.clock() - self.started)}"

    def __rich__(self) -> Group:
        headline = Text(self.headline(), style="bold")
        if not self.rows:
            return Group(headline)
        table = Table(show_edge=False)
        for column in ("Resource", "Type", "Status", "Reason"):
            table.add_column(column)
        for logical_id, (kind, status, reason) in self.rows.items():
            table.add_row(logical_id, kind, Text(status, style=status_style(status)), Text(reason, style="dim"))
        return Group(headline, table)


class LiveReporter(PlainReporter):
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.console = out()
        self.clock = clock
        self.view: Optional[DeployView] = None
        self._live: Optional[Live] = None

    def __call__(self, event: deploy.Event) -> None:
        if isinstance(event, deploy.ChangeSetCreating):
            self._show(event.stack, f"creating {event.change_set_type} change set {event.change_set}", fresh=True)
        elif isinstance(event, deploy.StackReplacing):
            self._show(event.stack, f"deleting the stack left in {event.status}", fresh=True)
        elif isinstance(event, deploy.WaitingForOtherDeploy):
            self._show(event.other.stack, f"queued behind another deploy: {event.other.what} (--wait)", fresh=True)
        elif isinstance(event, deploy.ChangeSetReady):
            change_set = event.review.change_set
            self._show(change_set.stack_name, f"waiting for review of change set {change_set.name}")
            self.view.total = len(event.review.changes)
        super().__call__(event)

    def executing(self, stack: str, change_set: str) -> None:
        """The change set was approved (or --yes) and is being executed."""
        self._show(stack, f"executing change set {change_set}")

    def progress(self, subject: str, message: str) -> None:
        self._show(subject, message)

    def waiting(self, stack: str, what: str) -> None:
        """No heartbeat lines: the live view's clock already shows the wait moving."""

    def _show(self, stack: str, phase: str, fresh: bool = False) -> None:
        if self.view is None or fresh or self.view.stack != stack:
            self.view = DeployView(stack, self.clock)
        self.view.phase = phase
        if self._live is None:
            self._live = Live(self.view, console=self.console, refresh_per_second=4, transient=False)
            self._live.start()
        else:
            self._live.update(self.view)

    def say(self, line: str, style: str = "") -> None:
        self.console.print(Text(line, style=style or "dim"))

    def change_set(self, review) -> None:
        self.console.print(render_table(review))

    def resource(self, event: StackEvent) -> None:
        if self.view is None or self._live is None:
            self._show(event.stack_name, "executing")
        self.view.rows[event.logical_id] = (event.resource_type, event.status, event.reason)
        self._live.refresh()

    def stop(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None
