"""Off a terminal a long wait must not look frozen either: when nothing was printed for
EVERY seconds, one line says what pipekit is waiting for and since when. CloudFormation
can stay silent for minutes (a change set being created, a table being backfilled), and a
CI log that stops moving looks like a hung job."""

from __future__ import annotations

import threading
import time
from typing import Callable, Optional

EVERY = 30.0


def elapsed(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


class Heartbeat:
    """`tick()` decides; a daemon thread calls it about once a second while a phase is
    open (tests call it themselves with a fake clock)."""

    def __init__(self, say: Callable[[str], None], clock: Callable[[], float] = time.monotonic, every: float = EVERY) -> None:
        self._say, self._clock, self.every = say, clock, every
        self.subject, self.what = "", ""
        self.since = self.last = 0.0
        self._stopped = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def phase(self, subject: str, what: str) -> None:
        """A new wait begins (creating a change set, executing it, queued behind another deploy)."""
        self.subject, self.what = subject, what
        self.since = self.last = self._clock()

    def said(self) -> None:
        """Something was printed: the log is moving."""
        self.last = self._clock()

    def tick(self) -> Optional[str]:
        now = self._clock()
        if not self.what or now - self.last < self.every:
            return None
        line = f"{self.subject}: still {self.what} ({elapsed(now - self.since)})"
        self.last = now
        self._say(line)
        return line

    def start(self) -> None:
        if self._thread is None:
            self._stopped.clear()
            self._thread = threading.Thread(target=self._run, name="pipekit-heartbeat", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """The wait is over: no more lines, and the thread ends before this returns."""
        self.what = ""
        if self._thread is not None:
            self._stopped.set()
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        while not self._stopped.wait(1.0):
            self.tick()
