"""Reading pipekit.yaml: YAML errors with file:line:column, schema errors with the key
path, what was expected, where it is in the file and the nearest valid key for a typo."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, Optional

import yaml
from pydantic import BaseModel, ValidationError

from pipekit.config.models import Config
from pipekit.errors import ConfigError

DEFAULT_CONFIG = "pipekit.yaml"


def load_config(path: Path) -> Config:
    """Read and validate a pipekit.yaml; raise ConfigError with a one-line message."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file (run `pipekit init` to create one, or pass --config)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    return parse_config(text, str(path))


def parse_config(text: str, filename: str = DEFAULT_CONFIG) -> Config:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{filename}:{mark.line + 1}:{mark.column + 1}" if mark else filename
        raise ConfigError(f"{where}: invalid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{filename}: invalid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{filename}: expected a mapping of keys (project, region, accounts, ...) at the top level")
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, node, filename)) from None
    for loc, message in config.reference_problems():
        raise ConfigError(f"{_where(node, loc, filename)}: {message}")
    return config


def _where(root: Optional[yaml.Node], loc: tuple, filename: str) -> str:
    line = _locate(root, loc)
    return f"{filename}:{line[0]}:{line[1]}" if line else filename


def _describe(exc: ValidationError, root: Optional[yaml.Node], filename: str) -> str:
    """The first schema error as one line; pydantic's order is the file's order."""
    error = exc.errors()[0]
    loc = tuple(part for part in error["loc"] if not _is_internal(part))
    path = _format_path(loc)
    where = _where(root, loc, filename)
    kind = error["type"]
    if kind == "extra_forbidden":
        parent = _model_at(Config, loc[:-1])
        known = sorted(parent.model_fields) if parent else []
        close = difflib.get_close_matches(str(loc[-1]), known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else (f"; valid keys: {', '.join(known)}" if known else "")
        message = f"unknown key {path!r}{hint}"
    elif kind == "missing":
        message = f"{path}: required key is missing"
    elif kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        close = difflib.get_close_matches(str(error.get("input")), _literal_values(expected), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        message = f"{path}: expected one of {expected}, got {error.get('input')!r}{hint}"
    else:
        message = f"{path or 'config'}: {_clean(error['msg'])}"
    return f"{where}: {message}"


def _is_internal(part: Any) -> bool:
    # pydantic adds validator names such as "function-after[...]" to some locations.
    return isinstance(part, str) and ("[" in part or part.startswith("function-"))


def _format_path(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _clean(msg: str) -> str:
    return msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def _literal_values(expected: str) -> list[str]:
    return [part.strip().strip("'\"") for part in expected.replace(" or ", ",").split(",") if part.strip()]


def _model_at(model: type[BaseModel], loc: tuple) -> Optional[type[BaseModel]]:
    """The pydantic model that sits at a key path, for listing its valid keys."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        field = current.model_fields.get(str(part))
        if field is None:
            return None
        current = _unwrap(field.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    """list[X], dict[str, X] and Optional[X] down to X."""
    args = getattr(annotation, "__args__", None)
    while args:
        candidates = [a for a in args if a is not type(None) and a is not str]
        if not candidates:
            break
        annotation = candidates[-1]
        args = getattr(annotation, "__args__", None)
    return annotation


def _locate(root: Optional[yaml.Node], loc: tuple) -> Optional[tuple[int, int]]:
    """Line and column (1-based) of the deepest node of a key path that exists."""
    node, best = root, None
    if node is not None:
        best = (node.start_mark.line + 1, node.start_mark.column + 1)
    for part in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == str(part):
                    best = (key.start_mark.line + 1, key.start_mark.column + 1)
                    child = value
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            child = node.value[part]
            best = (child.start_mark.line + 1, child.start_mark.column + 1)
        if child is None:
            break
        node = child
    return best
