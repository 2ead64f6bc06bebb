"""An environment's `gates:` in pipekit.yaml: the stage conditions CodePipeline V2 enforces
before a release enters the environment (alarms, a deployment window) and after it
succeeds (a bake over alarms that rolls the stage back).

The cron grammar is the one CodePipeline's DeploymentWindow rule documents (rule
reference, "DeploymentWindow": six fields and an optional year); time zones are checked
against Python's zoneinfo database."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Optional

from pydantic import Field, field_validator, model_validator

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
    close = sorted(z for z in _zones() if z.lower() == name.lower() or z.lower().endswith("/" + name.lower()))
    hint = f" (did you mean {close[0]}?)" if close else ""
    return (f"time zone {name!r} is not a Region/City name of the time zone database{hint}; "
            "use e.g. Europe/Berlin, America/New_York or UTC+01:00 (abbreviations such as CST are ambiguous)")


@lru_cache(maxsize=None)
def codepipeline_limit(shape: str) -> int:
    """A list limit of CodePipeline's API (RuleDeclarationList, ConditionList,
    GitFilePathPatternList), from botocore's model."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("codepipeline")
    return int(model.shape_for(shape).metadata["max"])


def max_rules_per_condition() -> int:
    return codepipeline_limit("RuleDeclarationList")


def _alarm_ids(values: list[str]) -> list[str]:
    for value in values:
        if not ALARM_ID.match(value):
            raise ValueError(f"{value!r} is not a logical id of an alarm in the service template, such as Api5xxAlarm")
    if len(set(values)) != len(values):
        raise ValueError("an alarm is named twice; name each once")
    return values


class Window(_Model):
    cron: str = Field(description="when the environment may change: CodePipeline DeploymentWindow cron, e.g. '0 0 9-16 ? * MON-THU *'")
    time_zone: str = Field(default="UTC", description="Region/City name (Europe/Berlin) or UTC with an offset (UTC+01:00)")

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        problem = cron_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("time_zone")
    @classmethod
    def _time_zone(cls, value: str) -> str:
        problem = time_zone_problem(value)
        if problem:
            raise ValueError(problem)
        return value


class Bake(_Model):
    alarms: list[str] = Field(min_length=1, description="alarms of the service template watched after the stage succeeds")
    wait_minutes: int = Field(ge=1, le=1440, description="minutes the alarms must stay out of ALARM before the release counts as baked")

    @field_validator("alarms")
    @classmethod
    def _ids(cls, values: list[str]) -> list[str]:
        return _alarm_ids(values)

    @model_validator(mode="after")
    def _limit(self) -> "Bake":
        limit = max_rules_per_condition()
        if len(self.alarms) > limit:
            raise ValueError(f"{len(self.alarms)} bake alarms; a CodePipeline condition holds at most {limit} rules")
        return self


class Gates(_Model):
    entry_alarms: list[str] = Field(default_factory=list, description="alarms of the service template that block entry while in ALARM")
    window: Optional[Window] = Field(default=None, description="when releases may enter the environment")
    bake: Optional[Bake] = Field(default=None, description="alarms watched after the stage succeeds; ALARM rolls the stage back")

    @field_validator("entry_alarms")
    @classmethod
    def _ids(cls, values: list[str]) -> list[str]:
        return _alarm_ids(values)

    @model_validator(mode="after")
    def _limit(self) -> "Gates":
        limit = max_rules_per_condition()
        count = len(self.entry_alarms) + (1 if self.window else 0)
        if count > limit:
            raise ValueError(f"{count} entry rules (alarms and the window); a CodePipeline condition holds at most {limit} rules")
        return self

    @property
    def any(self) -> bool:
        return bool(self.entry_alarms or self.window or self.bake)


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
