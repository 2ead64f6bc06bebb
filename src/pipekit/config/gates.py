"""An environment's `gates:` in pipekit.yaml: the stage conditions CodePipeline V2 enforces
before a release enters the environment (alarms, a deployment window) and after it
succeeds (a bake over alarms that rolls the stage back).

The cron grammar is the one CodePipeline's DeploymentWindow rule documents (rule
reference, "DeploymentWindow": six fields and an optional year); time zones are checked
against Python's zoneinfo database."""

from __future__ import annotations

import gzip
import json
import re
from functools import lru_cache
from typing import Annotated, Callable, Optional

from pydantic import AfterValidator, Field, model_validator

from pipekit.config.hooks import _Model

# A logical id of an AWS::CloudWatch::Alarm in the service template.
ALARM_ID = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,80}$")

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")

# field name, lowest, highest, names for 1.., extra special forms allowed
_FIELDS = (
    ("minutes", 0, 59, (), ""),
    ("hours", 0, 23, (), ""),
    ("day-of-month", 1, 31, (), "?LW"),
    ("month", 1, 12, MONTHS, ""),
    ("day-of-week", 1, 7, DAYS, "?L#"),
    ("year", 1970, 2199, (), ""),
)
_UTC_OFFSET = re.compile(r"^UTC(?:[+-](?:0\d|1[0-4]):[0-5]\d)?$")


def _value(text: str, low: int, high: int, labels: tuple[str, ...]) -> bool:
    upper = text.upper()
    if upper in labels:
        return True
    return text.isdigit() and low <= int(text) <= high


def _item_problem(item: str, name: str, low: int, high: int, labels: tuple[str, ...], special: str) -> Optional[str]:
    ok = lambda text: _value(text, low, high, labels)  # noqa: E731
    base, _, step = item.partition("/")
    if step and not (step.isdigit() and int(step) >= 1):
        return f"{name}: step {step!r} must be a positive number"
    if base == "*" or ok(base):
        return None
    start, dash, end = base.partition("-")
    if dash and ok(start) and ok(end):
        return None
    upper = base.upper()
    if "L" in special and name == "day-of-month" and (upper in ("L", "LW") or re.fullmatch(r"L-\d{1,2}", upper) or
                                                      (upper.endswith("W") and ok(upper[:-1]))):
        return None if not step else f"{name}: {base!r} takes no step"
    if "L" in special and name == "day-of-week" and (upper == "L" or (upper.endswith("L") and ok(upper[:-1]))):
        return None if not step else f"{name}: {base!r} takes no step"
    if "#" in special and "#" in upper:
        day, _, nth = upper.partition("#")
        if ok(day) and nth in ("1", "2", "3", "4", "5"):
            return None
    return f"{name}: {item!r} is not a value in {low}-{high}{' or ' + labels[0] + '-' + labels[-1] if labels else ''}, a range, '*' or a step"


def cron_problem(expression: str) -> Optional[str]:
    """Why CodePipeline's DeploymentWindow rule would reject this cron expression, or None."""
    fields = expression.split()
    if len(fields) not in (6, 7):
        return (f"cron {expression!r} has {len(fields)} fields; expected 6 or 7: seconds minutes hours day-of-month month "
                "day-of-week [year], e.g. '0 0 9-16 ? * MON-THU *'")
    seconds, rest = fields[0], fields[1:]
    if seconds not in ("*", "0"):
        return f"cron {expression!r}: the seconds field must be * (or 0), got {seconds!r}"
    for text, (name, low, high, labels, special) in zip(rest, _FIELDS):
        if text == "?":
            if "?" not in special:
                return f"cron {expression!r}: '?' is only allowed in day-of-month and day-of-week"
            continue
        for item in text.split(","):
            problem = _item_problem(item, name, low, high, labels, special)
            if problem:
                return f"cron {expression!r}: {problem}"
    day_of_month, day_of_week = rest[2], rest[4]
    if (day_of_month == "?") == (day_of_week == "?"):
        return f"cron {expression!r}: put '?' in exactly one of day-of-month and day-of-week, e.g. '0 0 9-16 ? * MON-THU *'"
    return None


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    import zoneinfo

    return frozenset(zoneinfo.available_timezones())


def time_zone_problem(name: str) -> Optional[str]:
    """Why this time zone is not one pipekit can vouch for, or None. Region/City names come
    from the zoneinfo database; 'UTC' and 'UTC+05:30' are CodePipeline's own format.
    Abbreviations (CST, IST) are refused: CodePipeline documents them as ambiguous."""
    if _UTC_OFFSET.match(name):
        return None
    if name in _zones() and "/" in name:
        return None
    import difflib

    lowered = {z.lower(): z for z in _zones() if "/" in z}
    close = difflib.get_close_matches(name.lower(), lowered, n=1, cutoff=0.8)
    close = close or [z for z in lowered if z.endswith("/" + name.lower())]
    hint = f" (did you mean {lowered[close[0]]}?)" if close else ""
    return (f"time zone {name!r} is not a Region/City name of the time zone database{hint}; "
            "use e.g. Europe/Berlin, America/New_York or UTC+01:00 (abbreviations such as CST are ambiguous)")


@lru_cache(maxsize=None)
def codepipeline_limit(shape: str) -> int:
    """A list limit of CodePipeline's API (RuleDeclarationList, ConditionList,
    GitFilePathPatternList), from botocore's model."""
    return int(_codepipeline_shapes()[shape]["max"])


@lru_cache(maxsize=1)
def _codepipeline_shapes() -> dict:
    # Read botocore's model file where it lies, as config/regions.py does: importing
    # botocore would cost every config load; its loader is the fallback.
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("botocore")
    if spec is not None and spec.origin:
        folder = Path(spec.origin).parent / "data" / "codepipeline"
        for model in sorted(folder.glob("*/service-2.json*"), reverse=True):
            try:
                raw = model.read_bytes()
                return json.loads(gzip.decompress(raw) if model.suffix == ".gz" else raw)["shapes"]
            except (OSError, ValueError, KeyError):
                break
    from botocore.loaders import create_loader

    return create_loader().load_service_model("codepipeline", "service-2")["shapes"]


def max_rules_per_condition() -> int:
    return codepipeline_limit("RuleDeclarationList")


def _alarm_ids(values: list[str]) -> list[str]:
    for value in values:
        if not ALARM_ID.match(value):
            raise ValueError(f"{value!r} is not a logical id of an alarm in the service template, such as Api5xxAlarm")
    if len(set(values)) != len(values):
        raise ValueError("an alarm is named twice; name each once")
    return values


def _refusing(problem: Callable[[str], Optional[str]]) -> AfterValidator:
    """A pydantic validator that raises what `problem` finds."""
    def check(value: str) -> str:
        found = problem(value)
        if found:
            raise ValueError(found)
        return value

    return AfterValidator(check)


def _fits_one_condition(count: int, what: str) -> None:
    limit = max_rules_per_condition()
    if count > limit:
        raise ValueError(f"{count} {what}; a CodePipeline condition holds at most {limit} rules")


AlarmIds = Annotated[list[str], AfterValidator(_alarm_ids)]


class Window(_Model):
    cron: Annotated[str, _refusing(cron_problem)] = Field(
        description="when the environment may change: CodePipeline DeploymentWindow cron, e.g. '0 0 9-16 ? * MON-THU *'")
    time_zone: Annotated[str, _refusing(time_zone_problem)] = Field(
        default="UTC", description="Region/City name (Europe/Berlin) or UTC with an offset (UTC+01:00)")


class Bake(_Model):
    alarms: AlarmIds = Field(min_length=1, description="alarms of the service template watched after the stage succeeds")
    wait_minutes: int = Field(ge=1, le=1440, description="minutes the alarms must stay out of ALARM before the release counts as baked")

    @model_validator(mode="after")
    def _limit(self) -> "Bake":
        _fits_one_condition(len(self.alarms), "bake alarms")
        return self


class Gates(_Model):
    entry_alarms: AlarmIds = Field(default_factory=list, description="alarms of the service template that block entry while in ALARM")
    window: Optional[Window] = Field(default=None, description="when releases may enter the environment")
    bake: Optional[Bake] = Field(default=None, description="alarms watched after the stage succeeds; ALARM rolls the stage back")

    @model_validator(mode="after")
    def _limit(self) -> "Gates":
        _fits_one_condition(len(self.entry_alarms) + (1 if self.window else 0), "entry rules (alarms and the window)")
        return self


def path_filter_problem(provider: str, paths: list[str], ignore_paths: list[str]) -> Optional[str]:
    """Why source.paths/ignore_paths cannot be a V2 trigger's file-path filter, or None."""
    if not (paths or ignore_paths):
        return None
    if provider != "codeconnections":
        return "paths and ignore_paths filter pipeline triggers, which CodePipeline offers for CodeConnections sources only"
    limit = codepipeline_limit("GitFilePathPatternList")
    for key, values in (("paths", paths), ("ignore_paths", ignore_paths)):
        if len(values) > limit:
            return f"{key} has {len(values)} patterns; a CodePipeline trigger filter takes at most {limit}"
        if len(set(values)) != len(values) or any(not v.strip() for v in values):
            return f"{key}: each pattern once, none empty"
    return None
