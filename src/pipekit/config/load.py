"""Reading pipekit.yaml for a command: the plain objects of a config validated before
(snapshot.py), else the file validated now (parse.py) and kept for the next command."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipekit.config import plain, snapshot
from pipekit.config.constants import CONFIG_TOO_LARGE, MAX_CONFIG_BYTES
from pipekit.errors import ConfigError


def load_config(path: Path) -> Any:
    """The validated config (plain objects with the models' fields and behaviour); raise
    ConfigError with a one-line message when the file cannot be read or is invalid."""
    text = read_text(path)
    saved = snapshot.read(path, text)
    if saved is not None:
        return saved
    from pipekit.config.parse import parse_config  # pydantic: only when the text is new

    data = plain.to_data(parse_config(text, str(path)))
    snapshot.write(path, text, data)
    return plain.from_data(data)


def read_text(path: Path) -> str:
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_CONFIG_BYTES + 1)  # never more: the file may be anything
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file (run `pipekit init` to create one, or pass --config)") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc}; expected a UTF-8 text file") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: refused: {CONFIG_TOO_LARGE}")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: cannot read: {exc}; expected a UTF-8 text file") from None
