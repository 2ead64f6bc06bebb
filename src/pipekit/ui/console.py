"""The two consoles every command prints through."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from rich.console import Console
from rich.text import Text


@lru_cache(maxsize=None)
def out() -> Console:
    # rich drops colour by itself when stdout is not a terminal (CI logs stay plain).
    return Console(highlight=False, soft_wrap=True)


@lru_cache(maxsize=None)
def err() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def error(message: str) -> None:
    err().print(Text.assemble(("error: ", "bold red"), message))


def note(message: str) -> None:
    """A detail under an error (--verbose): unstyled, so that it reads like the original."""
    err().print(Text(message), markup=False)


def warn(message: str) -> None:
    err().print(Text.assemble(("warning: ", "yellow"), message))


def print_json(document: Any) -> None:
    # Plain print: JSON must never be wrapped or styled.
    print(json.dumps(document, indent=2))
