"""Independent AWS reads at once: each costs a round trip, and botocore's clients are
thread-safe, so reads that need nothing from each other need not wait for each other."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

# Tests that script a Stubber's answers turn this on: a Stubber answers calls in the order
# they arrive, so they must arrive in the order the test wrote them.
IN_ORDER = False


def together(*calls: Callable[[], Any]) -> list[Any]:
    """Every call's result, in the order given; the first exception raised is re-raised."""
    if IN_ORDER or len(calls) < 2:
        return [call() for call in calls]
    with ThreadPoolExecutor(max_workers=len(calls), thread_name_prefix="read") as pool:
        futures = [pool.submit(call) for call in calls]
        return [future.result() for future in futures]
