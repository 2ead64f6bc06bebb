"""pipekit logs: which log groups an environment's service writes to, which versions a
selector means (from the live alias's routing), and each line as a structured entry.
Pure where it can be; reading goes through the Logs wrapper handed in."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Iterator, Optional

from pipekit.aws.lambda_ import Alias
from pipekit.errors import UsageError
from pipekit.project import names

if TYPE_CHECKING:
    from pipekit.config.models import Config, Environment

# Lambda names each log stream "YYYY/MM/DD/[VERSION]<environment id>" (AWS Lambda
# operator guide, "How CloudWatch structures logs"): the version is in the brackets.
STREAM_VERSION = re.compile(r"^\d{4}/\d{2}/\d{2}/\[([^\]]+)\]")
SINCE = re.compile(r"^(\d+)([smhd])$")
SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
SELECTORS = ("live", "new", "old")
ERROR_LEVELS = ("ERROR", "FATAL", "CRITICAL")
# CloudWatch's filter syntax: a line with any of these terms (JSON lines included, whose
# "level":"ERROR" holds the term); entry.is_error decides in the end.
ERROR_PATTERN = '?ERROR ?FATAL ?CRITICAL ?"Task timed out"'


@dataclass(frozen=True)
class LogSource:
    log_group: str
    function: str  # the function's name in pipekit.yaml
    kind: str  # function | pre-traffic hook | post-traffic hook


@dataclass(frozen=True)
class Entry:
    timestamp: int  # milliseconds since the epoch
    function: str
    source: str
    version: str  # the version the line is from (a hook's: the version it tests); "" unknown
    stream: str
    level: str
    message: str
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def is_error(self) -> bool:
        if self.level:
            return self.level.upper() in ERROR_LEVELS
        text = self.message
        return any(term in text for term in ERROR_LEVELS) or "Task timed out" in text

    def to_dict(self) -> dict[str, Any]:
        return {
            "timestamp": datetime.fromtimestamp(self.timestamp / 1000, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "function": self.function, "source": self.source, "version": self.version, "stream": self.stream,
            "level": self.level, "message": self.message, "fields": self.fields,
        }


def since_seconds(text: str) -> int:
    """"10m" -> 600; s, m, h and d."""
    match = SINCE.match(text.strip())
    if not match or int(match.group(1)) == 0:
        raise UsageError(f"--since {text!r}: expected a number and a unit, such as 30s, 10m, 2h or 1d")
    return int(match.group(1)) * SECONDS[match.group(2)]


def stream_version(stream: str) -> str:
    """The function version a Lambda log stream belongs to ("7", "$LATEST"), or ""."""
    match = STREAM_VERSION.match(stream)
    return match.group(1) if match else ""


def sources(cfg: Config, env: Environment, stack: str, function: Optional[str] = None) -> list[LogSource]:
    """The log groups of the service in `stack` (names from project/names.py, as the
    service template renders them): each function's, and its hooks' where they run."""
    known = [f.name for f in cfg.service.functions]
    if function is not None and function not in known:
        raise UsageError(f"unknown function {function!r} (known: {', '.join(known)})")
    hooks = env.effective_hooks(cfg.service.hooks).enabled
    found = []
    for name in known:
        if function is not None and name != function:
            continue
        found.append(LogSource(names.function_log_group(stack, name), name, "function"))
        if hooks:
            for role in ("pre", "post"):
                found.append(LogSource(names.hook_log_group(stack, name, role), name, f"{role}-traffic hook"))
    return found


def selected_versions(alias: Alias, selector: str) -> frozenset[str]:
    """The versions a --version selector means for one function, from its live alias:
    live: every version the alias sends traffic to; new: the version traffic moves to
    (the alias's version when nothing shifts); old: the version traffic moves away from
    (only during a shift); a number: that version."""
    if selector.isdigit():
        return frozenset({selector})
    moving_to = [v for v, weight in alias.weights.items() if v != alias.version and weight > 0]
    if selector == "live":
        return frozenset(v for v, weight in alias.weights.items() if weight > 0) or frozenset({alias.version})
    if selector == "new":
        return frozenset(moving_to or [alias.version])
    if selector == "old":
        if not moving_to:
            raise UsageError(
                f"--version old: {alias.function}:{alias.name} is not shifting traffic (all on version {alias.version}), "
                "so there is no old version; use --version live or a version number"
            )
        return frozenset({alias.version})
    raise UsageError(f"--version {selector!r}: expected live, new, old or a version number")


def check_selector(selector: Optional[str]) -> None:
    if selector is not None and selector not in SELECTORS and not selector.isdigit():
        raise UsageError(f"--version {selector!r}: expected live, new, old or a version number")


def entry(source: LogSource, stream: str, timestamp: int, message: str) -> Entry:
    """One log line as an entry: JSON lines (the hooks', and Lambda's JSON log format)
    become their level, message and fields; other lines stay text."""
    text = message.rstrip("\n")
    version = stream_version(stream)
    level, body, fields = "", text, {}
    parsed = _json_object(text)
    if parsed is not None:
        if "type" in parsed and "record" in parsed:  # a Lambda platform line (platform.start, .report)
            level, body = "", str(parsed["type"])
            record = parsed["record"]
            fields = record if isinstance(record, dict) else {"record": record}
        else:
            level = str(parsed.pop("level", "") or "")
            body = str(parsed.pop("message", "") or "")
            for key in ("timestamp", "time"):
                parsed.pop(key, None)
            fields = parsed
    if source.kind != "function":
        version = str(fields.get("target_version", "")) if fields else ""
    return Entry(timestamp, source.function, source.kind, version, stream, level, body, fields)


def _json_object(text: str) -> Optional[dict]:
    # Lambda's text format may prefix the runtime's own fields; JSON starts at the brace.
    start = text.find("{")
    if start < 0 or not text.endswith("}"):
        return None
    try:
        value = json.loads(text[start:])
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


@dataclass(frozen=True)
class Selection:
    """What to show: versions per function (None: every version), errors only or not."""

    versions: Optional[dict[str, frozenset[str]]] = None
    errors_only: bool = False

    def keeps(self, item: Entry) -> bool:
        if self.errors_only and not item.is_error:
            return False
        if self.versions is None:
            return True
        return item.version in self.versions.get(item.function, frozenset())

    @property
    def pattern(self) -> Optional[str]:
        return ERROR_PATTERN if self.errors_only else None


def selection_for(cf: Any, lam: Any, stack: str, groups: list[LogSource], selector: Optional[str], errors_only: bool) -> Selection:
    """The versions to show per function: a selector is resolved against each function's
    live alias (GetAlias, its routing config), found through the stack's resources."""
    from pipekit.errors import PipekitError

    if selector is None:
        return Selection(None, errors_only)
    check_selector(selector)
    if cf.describe_stack(stack) is None:
        raise PipekitError(f"stack {stack} does not exist, so it has no versions to select; drop --version")
    physical = {r.get("LogicalResourceId"): r.get("PhysicalResourceId", "") for r in cf.resources(stack)}
    versions = {}
    for function in dict.fromkeys(s.function for s in groups):
        name = physical.get(f"{function}Function")
        if not name:
            raise PipekitError(f"stack {stack} has no function {function}Function; deploy it first")
        versions[function] = selected_versions(lam.alias(name), selector)
    return Selection(versions, errors_only)


def read_window(logs: Any, groups: list[LogSource], start_ms: int, end_ms: Optional[int], selection: Selection) -> list[Entry]:
    """Every kept entry of the groups in the window, oldest first. A group that does
    not exist yet (a function that never ran) has no lines."""
    from pipekit.aws.logs import LogGroupNotFound

    found: list[Entry] = []
    for source in groups:
        try:
            for raw in logs.events(source.log_group, start_ms, end_ms, pattern=selection.pattern):
                item = entry(source, raw.stream, raw.timestamp, raw.message)
                if selection.keeps(item):
                    found.append(item)
        except LogGroupNotFound:
            continue
    return sorted(found, key=lambda e: e.timestamp)


def follow(logs: Any, groups: list[LogSource], arn_of: Any, selection: Selection) -> Iterator[Entry]:
    """Kept entries as they arrive (StartLiveTail); a session the service ends (after at
    most three hours) is started again; a stream that simply ends ends the follow."""
    from pipekit.aws.logs import LIVE_TAIL_MAX_GROUPS, LiveTailEnded

    if len(groups) > LIVE_TAIL_MAX_GROUPS:
        raise UsageError(
            f"--follow can watch at most {LIVE_TAIL_MAX_GROUPS} log groups at once and this selection has {len(groups)}; "
            "pick one with --function"
        )
    by_group = {s.log_group: s for s in groups}
    while True:
        try:
            for raw in logs.live_tail([arn_of(s.log_group) for s in groups], selection.pattern):
                source = by_group.get(raw.log_group)
                if source is None:
                    continue
                item = entry(source, raw.stream, raw.timestamp, raw.message)
                if selection.keeps(item):
                    yield item
            return
        except LiveTailEnded:
            continue
