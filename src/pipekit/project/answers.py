"""Checking each answer of an interactive `pipekit init` as it is given, with the same
validators pipekit.yaml is loaded with, so that a typo is caught at its question and not
after the last one."""

from __future__ import annotations

from typing import Optional

# A well-formed stand-in for the fields not asked yet, when one field is checked alone.
_ARN = "arn:aws:codeconnections:eu-west-1:111111111111:connection/0a1b2c3d"


def answer_problem(field: str, value: str, source: str) -> Optional[str]:
    """Why `value` will not do for `field` (a key of scaffold.STARTER_FIELDS); None if fine."""
    from pydantic import ValidationError

    from pipekit.config.models import Account, Config, Source

    try:
        if field == "project":
            Config._project(value)
        elif field == "region":
            Config._region(value)
        elif field.endswith("_account"):
            Account(id=value)
        elif field == "repository":
            Source(provider=source, repository=value, connection_arn=_ARN if source == "codeconnections" else None)
        elif field == "connection_arn":
            Source(provider="codeconnections", repository="owner/name", connection_arn=value)
    except ValidationError as exc:
        return "; ".join(error["msg"].removeprefix("Value error, ") for error in exc.errors())
    except ValueError as exc:
        return str(exc)
    return None
