"""pipekit.yaml as commands run on it: plain frozen objects with the models' fields and
behaviour (behaviour.py), built from validated models or from their saved form
(snapshot.py) without importing pydantic, which costs a command about 0.15 s.

The data form is JSON-shaped and unambiguous: a model is {"$model": name, "fields": {...}},
a mapping {"$dict": {...}}, a tuple {"$tuple": [...]}; lists and scalars are themselves."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Iterator

from pipekit.config.behaviour import BY_MODEL


class Plain:
    """A validated part of pipekit.yaml: read-only fields, compared and iterated
    (name, value) as pydantic models are."""

    __slots__ = ("_fields",)

    def __init__(self, fields: dict[str, Any]) -> None:
        object.__setattr__(self, "_fields", fields)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._fields[name]
        except KeyError:
            raise AttributeError(f"{type(self).__name__!r} has no field {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only (a validated pipekit.yaml)")

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        return iter(self._fields.items())

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other._fields == self._fields

    def __hash__(self) -> int:
        return hash((type(self).__name__, *self._fields.values()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self._fields.items())})"

    def __reduce__(self) -> tuple:  # copy, deepcopy and pickle: past the read-only __setattr__
        return _rebuilt, (type(self).__name__, self._fields)

    def replaced(self, changes: dict[str, Any]) -> "Plain":
        """A copy with some fields changed (pydantic's model_copy(update=...))."""
        return type(self)({**self._fields, **changes})


@lru_cache(maxsize=None)
def plain_class(model: str) -> type:
    """The plain class standing for the model named `model`, with that model's behaviour."""
    behaviour = BY_MODEL.get(model)
    bases = (behaviour, Plain) if behaviour else (Plain,)
    return type(model, bases, {"__slots__": (), "__module__": __name__})


def _rebuilt(model: str, fields: dict[str, Any]) -> Plain:
    return plain_class(model)(fields)


def to_data(value: Any) -> Any:
    """Validated models (or plain objects) as data: JSON-shaped but for the user's own
    values, which stay what YAML made of them."""
    if isinstance(value, Plain):
        return {"$model": type(value).__name__, "fields": {name: to_data(field) for name, field in value}}
    fields = getattr(type(value), "model_fields", None)  # a pydantic model, found without importing pydantic
    if fields is not None:
        return {"$model": type(value).__name__, "fields": {name: to_data(getattr(value, name)) for name in fields}}
    if isinstance(value, dict):
        return {"$dict": {key: to_data(item) for key, item in value.items()}}
    if isinstance(value, tuple):
        return {"$tuple": [to_data(item) for item in value]}
    if isinstance(value, list):
        return [to_data(item) for item in value]
    return value


def from_data(data: Any) -> Any:
    """The plain objects that `data` (from to_data) describes."""
    if isinstance(data, list):
        return [from_data(item) for item in data]
    if not isinstance(data, dict):
        return data
    if "$model" in data:
        return plain_class(data["$model"])({name: from_data(field) for name, field in data["fields"].items()})
    if "$tuple" in data:
        return tuple(from_data(item) for item in data["$tuple"])
    return {key: from_data(item) for key, item in data["$dict"].items()}
