"""YAML for pipekit.yaml, read with bounds and strictly: hostile or broken input is
refused with a reason and a place, never expanded, recursed into or half-read."""

from __future__ import annotations

from typing import Any, Optional

import yaml

from pipekit.config.constants import CONFIG_TOO_LARGE as TOO_LARGE, MAX_CONFIG_BYTES as MAX_BYTES

# A real pipekit.yaml is a few KB with a few hundred values; these bounds leave ample room.
MAX_DEPTH = 64  # PyYAML composes and constructs recursively: refuse before Python's limit
MAX_NODES = 100_000  # values once every alias is expanded ("billion laughs")


class Refused(yaml.MarkedYAMLError):
    """Input refused by one of pipekit's bounds or rules rather than by YAML syntax."""


def read(text: str) -> tuple[Optional[yaml.Node], Any]:
    """The composed node graph (for locating keys) and the data of one YAML document."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise Refused(problem=TOO_LARGE)
    loader = _BoundedLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        _refuse_duplicate_keys(node)
        return node, loader.construct_document(node)
    finally:
        loader.dispose()


def key_path(loc: tuple) -> str:
    """("environments", 0, "name") -> environments[0].name"""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader that counts while it composes: nesting depth, and the size each node
    has once aliases are expanded, so that a bomb is refused before anything uses it."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._open: list[int] = []  # per node being composed: the height of its tallest child so far
        self._nodes = 0  # nodes composed so far, an alias counting as everything it stands for
        self._extent: dict[int, tuple[int, int]] = {}  # anchored node -> (expanded nodes, height)

    def compose_node(self, parent: Optional[yaml.Node], index: Any) -> yaml.Node:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            node = super().compose_node(parent, index)
            if id(node) not in self._extent:
                raise Refused(problem=f"alias *{event.anchor} refers to a node that contains it; expected a tree, not a cycle", problem_mark=event.start_mark)
            nodes, height = self._extent[id(node)]
            if len(self._open) + height > MAX_DEPTH:
                raise Refused(problem=f"alias *{event.anchor} nests more than {MAX_DEPTH} levels deep; expected a shallow configuration", problem_mark=event.start_mark)
            self._nodes += nodes
        else:
            if len(self._open) >= MAX_DEPTH:
                raise Refused(problem=f"nested more than {MAX_DEPTH} levels deep; expected a shallow configuration", problem_mark=event.start_mark)
            before = self._nodes
            self._open.append(0)
            node = super().compose_node(parent, index)
            height = self._open.pop() + 1
            self._nodes += 1
            if event.anchor is not None:
                self._extent[id(node)] = (self._nodes - before, height)
        if self._nodes > MAX_NODES:
            raise Refused(problem=f"more than {MAX_NODES} values once aliases are expanded; expected a pipekit.yaml of a few hundred", problem_mark=event.start_mark)
        if self._open:
            self._open[-1] = max(self._open[-1], height)
        return node

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        # PyYAML lets some bad scalars escape as plain Python errors (2024-13-45, !!float abc,
        # an int of 5000 digits): give them the node's place like any other YAML error.
        try:
            return super().construct_object(node, deep)
        except yaml.YAMLError:
            raise
        except (ValueError, TypeError, AttributeError, OverflowError):
            kind = node.tag.rsplit(":", 1)[-1]
            raise yaml.constructor.ConstructorError(
                problem=f"expected a valid {kind}, got {node.value!r} (quote it to keep it as text)", problem_mark=node.start_mark
            ) from None


def _refuse_duplicate_keys(root: yaml.Node) -> None:
    """PyYAML keeps the last of two equal keys silently; pipekit refuses them at any depth."""
    todo: list[tuple[yaml.Node, tuple]] = [(root, ())]
    seen: set[int] = set()
    while todo:
        node, loc = todo.pop()
        if id(node) in seen:  # an aliased node is checked once
            continue
        seen.add(id(node))
        children: list[tuple[yaml.Node, tuple]] = []
        if isinstance(node, yaml.SequenceNode):
            children = [(child, loc + (index,)) for index, child in enumerate(node.value)]
        elif isinstance(node, yaml.MappingNode):
            first: dict[tuple[str, str], yaml.Node] = {}
            for key, value in node.value:
                if not isinstance(key, yaml.ScalarNode):
                    continue  # a list or mapping as a key is refused when the data is built
                earlier = first.setdefault((key.tag, key.value), key)
                if earlier is not key:
                    raise Refused(
                        problem=f"duplicate key {key_path(loc + (key.value,))!r} (lines {earlier.start_mark.line + 1} and "
                        f"{key.start_mark.line + 1}); expected each key once",
                        problem_mark=key.start_mark,
                    )
                children.append((value, loc + (key.value,)))
        todo += reversed(children)  # depth first, in the file's order
