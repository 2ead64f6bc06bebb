"""Values the preflight cannot know offline (generated names, key ids, version numbers).

Each unknown is one private-use character inside an otherwise concrete string, so
"arn:aws:kms:eu-west-1:222222222222:key/\ue000" is the service key's ARN whatever its id.
The same description always yields the same character: an ARN compared with itself
matches, two different unknowns may or may not be equal (the evaluator says "cannot
prove"). Tokens live for the process; there are 6,400 of them, far more than a project has."""

from __future__ import annotations

import re

_FIRST, _LAST = 0xE000, 0xF8FF
_by_text: dict[str, str] = {}
_by_char: dict[str, str] = {}
UNKNOWN_CHARS = re.compile("[\ue000-\uf8ff]")


def unknown(description: str) -> str:
    char = _by_text.get(description)
    if char is None:
        code = _FIRST + len(_by_text)
        if code > _LAST:
            raise RuntimeError("too many unknown values")
        char = chr(code)
        _by_text[description] = char
        _by_char[char] = description
    return char


def has_unknown(value: str) -> bool:
    return bool(UNKNOWN_CHARS.search(value))


def show(value: str) -> str:
    """For messages: each unknown as <what it is>."""
    return UNKNOWN_CHARS.sub(lambda m: f"<{_by_char.get(m.group(0), '?')}>", value)


def as_pattern(value: str) -> str:
    """For a fix statement: an unknown part becomes a wildcard."""
    return re.sub("[\ue000-\uf8ff]+", "*", value)
