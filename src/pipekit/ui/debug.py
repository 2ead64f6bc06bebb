"""What --verbose and --debug add to a one-line error: the original error pipekit
translated (AWS's code, message, request id and HTTP status), and with --debug the
tracebacks. Translations raise `from None` so that users see one line; the original
stays on the exception's __context__, which is where this reads it."""

from __future__ import annotations

import traceback
from typing import Optional

VERBOSE, DEBUG = 1, 2


def original_error(exc: BaseException) -> Optional[BaseException]:
    """The innermost error that `exc` was translated from (itself if none)."""
    seen = {id(exc)}
    while True:
        inner = exc.__cause__ or exc.__context__
        if inner is None or id(inner) in seen:
            return exc
        seen.add(id(inner))
        exc = inner


def aws_details(exc: BaseException) -> str:
    response = getattr(exc, "response", None) or {}
    error = response.get("Error", {})
    meta = response.get("ResponseMetadata", {})
    parts = [f"{key}={value}" for key, value in (
        ("code", error.get("Code")), ("message", error.get("Message")),
        ("http_status", meta.get("HTTPStatusCode")), ("request_id", meta.get("RequestId")),
        ("operation", getattr(exc, "operation_name", None)),
    ) if value]
    return " ".join(parts)


def details(exc: BaseException, level: int) -> list[str]:
    """Lines to print under the error message at --verbose (1) or --debug (2)."""
    if level < VERBOSE:
        return []
    original = original_error(exc)
    lines = []
    if original is not exc:
        aws = aws_details(original)
        lines.append(f"caused by {type(original).__module__}.{type(original).__qualname__}: {original}")
        if aws:
            lines.append(f"  AWS: {aws}")
    if level >= DEBUG:
        for error in ([original] if original is not exc else []) + [exc]:
            lines += "".join(traceback.format_exception(type(error), error, error.__traceback__, chain=False)).rstrip().splitlines()
    return lines
