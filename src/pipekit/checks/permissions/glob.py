"""IAM wildcard matching with three answers: True, False, or None (cannot tell).

IAM patterns know `*` (any run of characters) and `?` (one character). A value may hold
unknown characters (see unknown.py). A pattern surely matches when it matches with the
unknowns as opaque symbols that only `*` or the same unknown can take (so the match
holds whatever they stand for); it surely does not when no value of the unknowns could
make it match (both sides read as patterns, their languages do not meet)."""

from __future__ import annotations

from functools import lru_cache
from typing import Optional

from pipekit.checks.permissions.unknown import UNKNOWN_CHARS


def match(pattern: str, value: str, ignore_case: bool = False) -> Optional[bool]:
    if ignore_case:
        pattern, value = pattern.lower(), value.lower()
    if _surely(pattern, value):
        return True
    if not UNKNOWN_CHARS.search(value) and not UNKNOWN_CHARS.search(pattern):
        return False
    # In the value, "*" and "?" are plain characters (a request for "*" is for the literal
    # "*"); only its unknowns may stand for anything.
    literal = value.replace("*", "\x01").replace("?", "\x02")
    if not _meet(UNKNOWN_CHARS.sub("*", pattern), UNKNOWN_CHARS.sub("*", literal)):
        return False
    return None


@lru_cache(maxsize=65536)
def _surely(pattern: str, value: str) -> bool:
    # Classic iterative glob matching with backtracking to the last `*`.
    p = v = 0
    star, mark = -1, 0
    while v < len(value):
        if p < len(pattern) and pattern[p] != "*" and (
            pattern[p] == value[v] or (pattern[p] == "?" and not UNKNOWN_CHARS.match(value[v]))
        ):
            p += 1
            v += 1
        elif p < len(pattern) and pattern[p] == "*":
            star, mark = p, v
            p += 1
        elif star >= 0:
            p = star + 1
            mark += 1
            v = mark
        else:
            return False
    while p < len(pattern) and pattern[p] == "*":
        p += 1
    return p == len(pattern)


@lru_cache(maxsize=65536)
def _meet(a: str, b: str) -> bool:
    """Is there a string that both patterns match?"""
    seen: set[tuple[int, int]] = set()
    todo = [(0, 0)]
    while todo:
        i, j = todo.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        if i == len(a) and j == len(b):
            return True
        if i < len(a) and a[i] == "*":
            todo.append((i + 1, j))  # a's star takes nothing more
            if j < len(b):
                todo.append((i, j + 1))  # a's star takes b's next character (or b's star's output)
        if j < len(b) and b[j] == "*":
            todo.append((i, j + 1))
            if i < len(a):
                todo.append((i + 1, j))
        if i < len(a) and j < len(b) and a[i] != "*" and b[j] != "*":
            if a[i] == b[j] or a[i] == "?" or b[j] == "?":
                todo.append((i + 1, j + 1))
    return False
