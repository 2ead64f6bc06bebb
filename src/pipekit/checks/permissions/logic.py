"""Three-valued logic (Kleene): True, False, None for "cannot tell"."""

from __future__ import annotations

from typing import Iterable, Optional

Tri = Optional[bool]


def any_of(values: Iterable[Tri]) -> Tri:
    result: Tri = False
    for value in values:
        if value is True:
            return True
        if value is None:
            result = None
    return result


def all_of(values: Iterable[Tri]) -> Tri:
    result: Tri = True
    for value in values:
        if value is False:
            return False
        if value is None:
            result = None
    return result


def negate(value: Tri) -> Tri:
    return None if value is None else not value
