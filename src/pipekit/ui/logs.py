"""pipekit logs output: one line per entry (coloured on a terminal), or JSON Lines."""

from __future__ import annotations

import json
from typing import Any, Callable

from rich.text import Text

from pipekit.ui.console import out

LEVEL_STYLES = {"ERROR": "bold red", "FATAL": "bold red", "CRITICAL": "bold red", "WARN": "yellow", "WARNING": "yellow", "DEBUG": "dim"}


def _fields(fields: dict[str, Any]) -> str:
    return " ".join(f"{key}={value if isinstance(value, str) else json.dumps(value)}" for key, value in fields.items())


def line(entry: Any) -> Text:
    data = entry.to_dict()
    where = entry.function if entry.source == "function" else f"{entry.function} {entry.source}"
    text = Text.assemble(
        (data["timestamp"], "dim"), " ", (where, "cyan"), " ",
        (f"[{entry.version or '?'}]", "magenta"), " ",
    )
    if entry.level:
        text.append(f"{entry.level} ", LEVEL_STYLES.get(entry.level.upper(), "green"))
    text.append(entry.message)
    if entry.fields:
        text.append(f"  {_fields(entry.fields)}", "dim")
    return text


def printer(output_format: str) -> Callable[[Any], None]:
    """A function that prints one entry as it comes (logs stream, so JSON is JSON Lines)."""
    if output_format == "json":
        return lambda entry: print(json.dumps(entry.to_dict()), flush=True)
    console = out()
    return lambda entry: console.print(line(entry))


def note(message: str) -> None:
    from pipekit.ui.console import err

    err().print(Text(message, style="dim"))
