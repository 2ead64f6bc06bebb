"""CloudWatch Logs: a window of a log group's events (FilterLogEvents), and a live tail
(StartLiveTail, an event stream). Plain data out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Optional

from pipekit.aws.errors import AwsError, error_code

# StartLiveTail takes at most this many log groups per session (botocore's model says
# so in the parameter's documentation, not as a constraint, so it lives here).
LIVE_TAIL_MAX_GROUPS = 10


class LogGroupNotFound(AwsError):
    """The log group does not exist (the function never ran, or the stack is not there)."""


class LiveTailEnded(AwsError):
    """The live tail session ended on the service's side (it lasts at most three hours)."""


@dataclass(frozen=True)
class LogEvent:
    log_group: str
    stream: str
    timestamp: int  # milliseconds since the epoch
    message: str


class Logs:
    def __init__(self, client: Any) -> None:
        self.client = client

    def events(
        self, log_group: str, start_ms: int, end_ms: Optional[int] = None, stream_prefix: Optional[str] = None, pattern: Optional[str] = None
    ) -> Iterator[LogEvent]:
        """Every event of `log_group` from `start_ms`, page by page, oldest first per stream."""
        kwargs: dict[str, Any] = {"logGroupName": log_group, "startTime": start_ms}
        if end_ms is not None:
            kwargs["endTime"] = end_ms
        if stream_prefix:
            kwargs["logStreamNamePrefix"] = stream_prefix
        if pattern:
            kwargs["filterPattern"] = pattern
        while True:
            try:
                page = self.client.filter_log_events(**kwargs)
            except Exception as exc:
                if error_code(exc) == "ResourceNotFoundException":
                    raise LogGroupNotFound(f"log group {log_group} does not exist", "ResourceNotFoundException") from None
                raise
            for raw in page.get("events", []):
                yield LogEvent(log_group, raw.get("logStreamName", ""), int(raw.get("timestamp", 0)), raw.get("message", ""))
            token = page.get("nextToken")
            if not token or token == kwargs.get("nextToken"):
                return
            kwargs["nextToken"] = token

    def live_tail(self, group_arns: list[str], pattern: Optional[str] = None) -> Iterator[LogEvent]:
        """Events as they arrive in the log groups (by ARN, at most LIVE_TAIL_MAX_GROUPS),
        until the session ends (LiveTailEnded) or the caller stops iterating."""
        kwargs: dict[str, Any] = {"logGroupIdentifiers": group_arns}
        if pattern:
            kwargs["logEventFilterPattern"] = pattern
        response = self.client.start_live_tail(**kwargs)
        stream = response["responseStream"]
        try:
            for message in stream:
                for raw in (message.get("sessionUpdate") or {}).get("sessionResults", []):
                    yield LogEvent(
                        _group_name(raw.get("logGroupIdentifier", "")), raw.get("logStreamName", ""),
                        int(raw.get("timestamp", 0)), raw.get("message", ""),
                    )
        except Exception as exc:
            # botocore raises the stream's modelled exceptions as EventStreamError.
            if error_code(exc) in ("SessionTimeoutException", "SessionStreamingException"):
                raise LiveTailEnded(f"live tail ended: {exc}", error_code(exc)) from None
            raise
        finally:
            close = getattr(stream, "close", None)
            if close:
                close()


def _group_name(identifier: str) -> str:
    """A log group's name from its ARN (arn:aws:logs:region:account:log-group:NAME[:*])."""
    if ":log-group:" not in identifier:
        return identifier
    return identifier.split(":log-group:", 1)[1].removesuffix(":*")


def log_group_arn(partition: str, region: str, account_id: str, name: str) -> str:
    return f"arn:{partition}:logs:{region}:{account_id}:log-group:{name}"
