"""Hostile or sloppy YAML in pipekit.yaml: duplicate keys, oversized files, alias bombs and
deep nesting are refused with one line and a place, quickly, never with a traceback."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from conftest import EXAMPLE
from pipekit.cli import main
from pipekit.config import parse_config
from pipekit.config.safe_yaml import MAX_BYTES, MAX_DEPTH, MAX_NODES
from test_config import error_for

EXAMPLE_TEXT = (EXAMPLE / "pipekit.yaml").read_text()
LINES = EXAMPLE_TEXT.splitlines()


def with_body(body: str) -> str:
    """The example with a smoke check whose body is `body` (any JSON: the schema does not
    look inside), on line BODY_LINE."""
    hooks = f"  hooks:\n    smoke_checks:\n      - name: health\n        path: /health\n        body: {body}\n"
    return EXAMPLE_TEXT.replace("  alarms:\n", hooks + "  alarms:\n")


# Depth of the body's value: document mapping, service, hooks, smoke_checks, the check.
BODY_DEPTH = 5
BODY_LINE = LINES.index("  alarms:") + 5


def test_a_body_is_a_valid_place_for_any_json():
    cfg = parse_config(with_body("{a: [1, 2]}"))
    assert cfg.service.hooks.smoke_checks[0].body == {"a": [1, 2]}


# Duplicate keys: PyYAML would keep the last one silently.


def line(needle: str) -> int:
    return LINES.index(needle) + 1


@pytest.mark.parametrize(
    "text, key, first, second",
    [
        (EXAMPLE_TEXT.replace("  memory: 512", "  memory: 512\n  memory: 1024"), "service.memory", line("  memory: 512"), line("  memory: 512") + 1),
        (EXAMPLE_TEXT + "environments:\n  - {name: qa, account: dev}\n", "environments", line("environments:"), len(LINES) + 1),
        (EXAMPLE_TEXT.replace("    approval: manual", "    approval: manual\n    name: live"), "environments[1].name", line("  - name: prod"), len(LINES) + 1),
        (EXAMPLE_TEXT.replace("  build: {id", "  build: {profile: x, id"), "accounts.build.profile", 7, 7),
    ],
)
def test_duplicate_keys_name_the_key_and_both_lines(text, key, first, second):
    message = error_for(text)
    assert f"refused: duplicate key {key!r} (lines {first} and {second}); expected each key once" in message
    assert message.startswith(f"pipekit.yaml:{second}:")


def test_a_merge_key_overridden_is_not_a_duplicate():
    text = EXAMPLE_TEXT.replace(
        "  alarms:\n    errors_threshold: 1\n", "  alarms:\n    <<: &alarm_defaults {errors_threshold: 3}\n    errors_threshold: 1\n"
    )
    assert parse_config(text).service.alarms.errors_threshold == 1


# Bounds.


def test_a_file_over_the_size_limit_is_refused_before_parsing():
    text = EXAMPLE_TEXT + "#" * MAX_BYTES
    assert error_for(text) == f"pipekit.yaml: refused: the file is larger than {MAX_BYTES // 1024} KiB; expected a pipekit.yaml of a few KB"


def test_the_cli_refuses_a_large_file_by_its_size(tmp_path):
    # Two-byte characters cut by the bounded read: without the size check it would be a
    # misleading "not UTF-8".
    prefix = (EXAMPLE_TEXT + "# ").encode()
    prefix += b"#" * ((MAX_BYTES - len(prefix)) % 2)
    path = tmp_path / "pipekit.yaml"
    path.write_bytes(prefix + "é".encode() * MAX_BYTES)
    result = CliRunner().invoke(main, ["--config", str(path), "render"])
    assert result.exit_code == 2
    assert result.output.strip() == f"error: {path}: refused: the file is larger than 1024 KiB; expected a pipekit.yaml of a few KB"


def billion_laughs(levels: int = 9) -> str:
    """The classic: each level is ten aliases of the one before (10**9 strings at 9)."""
    out = '&l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]'
    for level in range(1, levels + 1):
        out = f"&l{level} [{out}, " + ", ".join([f"*l{level - 1}"] * 9) + "]"
    return out


def test_a_billion_laughs_is_refused_not_expanded():
    text = with_body(billion_laughs())
    assert len(text) - len(EXAMPLE_TEXT) < 2048
    message = error_for(text)
    assert f"refused: more than {MAX_NODES} values once aliases are expanded" in message
    assert message.startswith(f"pipekit.yaml:{BODY_LINE}:")


def test_a_few_aliases_are_fine():
    cfg = parse_config(with_body(billion_laughs(levels=2)))  # 10 + 10*10 + 10*100 strings
    assert len(cfg.service.hooks.smoke_checks[0].body) == 10


@pytest.mark.parametrize("opening, closing", [("[", "]"), ("{a: ", "}")])
def test_deep_nesting_is_refused_cleanly(opening, closing):
    message = error_for(with_body(opening * 5000 + "1" + closing * 5000))
    assert f"refused: nested more than {MAX_DEPTH} levels deep" in message


def test_nesting_up_to_the_limit_is_fine():
    levels = MAX_DEPTH - BODY_DEPTH
    parse_config(with_body("[" * levels + "]" * levels))
    assert "nested more than" in error_for(with_body("[" * (levels + 1) + "]" * (levels + 1)))


def test_an_alias_counts_as_deep_as_what_it_stands_for():
    # [&deep [[...32...]], [[...b...*deep...]]]: the alias sits BODY_DEPTH + 1 + b levels in.
    half = MAX_DEPTH // 2
    b = MAX_DEPTH - BODY_DEPTH - 1 - half
    deep = "&deep " + "[" * half + "]" * half

    def body(b: int) -> str:
        return f"[{deep}, " + "[" * b + "*deep" + "]" * b + "]"

    parse_config(with_body(body(b)))
    assert f"refused: alias *deep nests more than {MAX_DEPTH} levels deep" in error_for(with_body(body(b + 1)))


def test_a_cycle_is_refused():
    assert "refused: alias *me refers to a node that contains it" in error_for(with_body("&me [*me]"))


def test_the_cli_refuses_a_bomb_with_exit_2(tmp_path):
    path = tmp_path / "pipekit.yaml"
    path.write_text(with_body("[" * 5000 + "]" * 5000))
    result = CliRunner().invoke(main, ["--config", str(path), "render"])
    assert result.exit_code == 2
    assert "refused: nested more than 64 levels deep" in result.output and "Traceback" not in result.output
