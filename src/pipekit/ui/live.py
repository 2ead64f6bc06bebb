"""Deploy progress on a terminal: the change set as a table and a live table of the
stack's resources, their states and the elapsed time."""

from __future__ import annotations

import time
from typing import Optional

from rich.live import Live
from rich.table import Table
from rich.text import Text

from pipekit.aws.cloudformation import StackEvent
from pipekit.ui.review import render_table
from pipekit.ui.console import out
from pipekit.ui.deploy_report import PlainReporter

STATUS_STYLES = (("FAILED", "bold red"), ("ROLLBACK", "red"), ("COMPLETE", "green"), ("IN_PROGRESS", "yellow"))


def _style(status: str) -> str:
    return next((style for key, style in STATUS_STYLES if key in status), "")


class LiveReporter(PlainReporter):
    def __init__(self) -> None:
        self.console = out()
        self._live: Optional[Live] = None
        self._rows: dict[str, tuple[str, str, str]] = {}
        self._started = time.monotonic()

    def say(self, line: str, style: str = "") -> None:
        self.console.print(Text(line, style=style or "dim"))

    def change_set(self, review) -> None:
        self.console.print(render_table(review))

    def resource(self, event: StackEvent) -> None:
        self._rows[event.logical_id] = (event.resource_type, event.status, event.reason)
        if self._live is None:
            self._started = time.monotonic()
            self._live = Live(self._table(), console=self.console, refresh_per_second=4)
            self._live.start()
        self._live.update(self._table())

    def _table(self) -> Table:
        table = Table(show_edge=False, title=f"elapsed {time.monotonic() - self._started:.0f}s", title_justify="left")
        for column in ("Resource", "Type", "Status", "Reason"):
            table.add_column(column)
        for logical_id, (kind, status, reason) in self._rows.items():
            table.add_row(logical_id, kind, Text(status, style=_style(status)), Text(reason, style="dim"))
        return table

    def stop(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None
            self._rows.clear()
