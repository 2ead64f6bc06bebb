"""Adaptive polling: look again soon, then less often; slow down when throttled.

A finished stack is noticed within one interval, and the first look comes after well
under a second (SAM CLI sleeps 5 s first, awscli's stack waiter polls every 30 s).
The interval grows by a quarter per look up to 3 s: a change set that takes 1 s is seen
about 0.15 s late, and a long update costs some 40 calls a minute, well inside
CloudFormation's describe limits (adaptive retries slow down further if throttled)."""

from __future__ import annotations

import random
import time
from typing import Callable, TypeVar

from pipekit.aws.errors import error_code

T = TypeVar("T")
THROTTLING = {"Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException", "SlowDown"}


class Backoff:
    def __init__(
        self,
        first: float = 0.2,
        factor: float = 1.25,
        cap: float = 3.0,
        jitter: float = 0.1,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.first, self.factor, self.cap, self.jitter = first, factor, cap, jitter
        self._sleep = sleep
        self.delay = first

    def next_delay(self) -> float:
        """The delay to wait now, and grow the next one."""
        delay = self.delay * (1 + random.uniform(-self.jitter, self.jitter))
        self.delay = min(self.delay * self.factor, self.cap)
        return delay

    def wait(self) -> None:
        self._sleep(self.next_delay())

    def activity(self) -> None:
        """Something changed: things are moving, so look again soon."""
        self.delay = max(self.first, min(self.delay, 1.0))

    def throttled(self) -> None:
        self.delay = min(max(self.delay * 2, 1.0), self.cap * 2)

    def read(self, call: Callable[[], T]) -> T:
        """One look. When AWS still throttles after botocore's own retries, wait
        longer and look again instead of failing the whole command."""
        while True:
            try:
                return call()
            except Exception as exc:
                if error_code(exc) not in THROTTLING:
                    raise
                self.throttled()
                self.wait()
