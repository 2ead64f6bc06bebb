"""Independent AWS reads at once: each costs a round trip, and botocore's clients are
thread-safe, so reads that need nothing from each other need not wait for each other."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Optional

# Tests that script a Stubber's answers turn this on: a Stubber answers calls in the order
# they arrive, so they must arrive in the order the test wrote them.
IN_ORDER = False

# Accounts read at once. Each account has its own API rate limits, so reading every one
# together adds to no one's throttling (one wave of round trips, not one per ten
# accounts); the bound keeps threads and sockets few for very large setups.
ACCOUNTS_AT_ONCE = 32


def together(*calls: Callable[[], Any], at_most: Optional[int] = None) -> list[Any]:
    """Every call's result, in the order given; the first exception raised is re-raised.
    at_most bounds how many run at once (threads and sockets)."""
    if IN_ORDER or len(calls) < 2:
        return [call() for call in calls]
    with ThreadPoolExecutor(max_workers=min(len(calls), at_most or len(calls)), thread_name_prefix="read") as pool:
        futures = [pool.submit(call) for call in calls]
        return [future.result() for future in futures]


def started(call: Callable[[], Any]) -> Callable[[], Any]:
    """Start `call` now, in the background; the returned function waits for its result
    (re-raising its exception). In order (tests), the call runs when its result is asked for."""
    if IN_ORDER:
        return call
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ahead")
    future = pool.submit(call)
    pool.shutdown(wait=False)
    return future.result
