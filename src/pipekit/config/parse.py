"""Validating pipekit.yaml's text: YAML errors with file:line:column, schema errors with
the key path, what was expected, where it is in the file and the nearest valid key for a
typo."""

from __future__ import annotations

import difflib
from typing import Any, Optional, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from pipekit.config import safe_yaml
from pipekit.config.constants import DEFAULT_CONFIG
from pipekit.config.safe_yaml import key_path
from pipekit.config.models import Config
from pipekit.errors import ConfigError
from pipekit.text import shorten


def parse_config(text: str, filename: str = DEFAULT_CONFIG) -> Config:
    try:
        node, data = safe_yaml.read(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{filename}:{mark.line + 1}:{mark.column + 1}" if mark else filename
        what = "refused" if isinstance(exc, safe_yaml.Refused) else "invalid YAML"
        raise ConfigError(f"{where}: {what}: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{filename}: invalid YAML: {exc}".replace("\n", " ")) from None
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
    """The first schema error as one line; pydantic's order is the file's order, except
    that an unknown key comes first: a typo of a required key also makes it "missing"."""
    errors = exc.errors()
    error = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = tuple(part for part in error["loc"] if not _is_internal(part))
    path = key_path(loc)
    where = _where(root, loc, filename)
    kind = error["type"]
    if kind == "extra_forbidden":
        parent = _model_at(Config, loc[:-1])
        known = sorted(parent.model_fields) if parent else []
        close = difflib.get_close_matches(str(loc[-1]), known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else (f"; valid keys: {', '.join(known)}" if known else "")
        message = f"unknown key {path!r}{hint}"
    elif kind == "missing":
        field = _field_at(Config, loc)
        expected = f" (expected {field.description})" if field is not None and field.description else ""
        message = f"{path}: required key is missing{expected}"
    elif kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        close = difflib.get_close_matches(str(error.get("input")), _literal_values(expected), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        message = f"{path}: expected one of {expected}, got {_short(error.get('input'))}{hint}"
    else:
        message = f"{path or 'config'}: {_clean(error['msg'])}"
        if not kind.startswith(("value_error", "assertion_error")) and isinstance(error.get("input"), (str, int, float, bool)):
            message += f", got {_short(error['input'])}"
    return f"{where}: {message}"


def _short(value: Any) -> str:
    return shorten(repr(value), 80)


def _is_internal(part: Any) -> bool:
    # pydantic adds validator names such as "function-after[...]" to some locations.
    return isinstance(part, str) and ("[" in part or part.startswith("function-"))


def _clean(msg: str) -> str:
    return msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def _literal_values(expected: str) -> list[str]:
    return [part.strip().strip("'\"") for part in expected.replace(" or ", ",").split(",") if part.strip()]


def _field_at(model: type[BaseModel], loc: tuple) -> Optional[FieldInfo]:
    """The pydantic field a key path names, for what it expects."""
    parent = _model_at(model, loc[:-1]) if loc else None
    return parent.model_fields.get(str(loc[-1])) if parent else None


def _model_at(model: type[BaseModel], loc: tuple) -> Optional[type[BaseModel]]:
    """The pydantic model that sits at a key path, for listing its valid keys."""
    current: Any = model
    for part in loc:
        current = _not_none(current)
        origin, args = get_origin(current), get_args(current)
        if origin in (list, tuple):  # list[X], tuple[X, ...]: part is an index
            current = args[0]
        elif origin is dict:  # dict[str, X]: part is a name such as an account's
            current = args[1]
        elif isinstance(current, type) and issubclass(current, BaseModel) and str(part) in current.model_fields:
            current = current.model_fields[str(part)].annotation
        else:
            return None
    current = _not_none(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _not_none(annotation: Any) -> Any:
    """Optional[X] -> X"""
    if get_origin(annotation) is Union:
        rest = [a for a in get_args(annotation) if a is not type(None)]
        return rest[0] if len(rest) == 1 else annotation
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
