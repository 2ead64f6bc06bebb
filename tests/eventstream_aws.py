"""A hand-built AWS event stream for StartLiveTail, which moto's server cannot stream and
botocore's Stubber cannot hold (it validates responseStream as a structure). The bytes
are encoded in the event-stream framing (prelude, headers, payload, CRC32s) and handed to
a real botocore client from its `before-send` hook, so botocore's own event-stream parser
reads them against the CloudWatch Logs model, as it would read AWS's."""

from __future__ import annotations

import binascii
import json
import struct

import boto3
from botocore.awsrequest import AWSResponse


def _header(name: str, value: str) -> bytes:
    raw_name, raw_value = name.encode(), value.encode()
    return struct.pack("!B", len(raw_name)) + raw_name + struct.pack("!BH", 7, len(raw_value)) + raw_value  # 7: string


def message(headers: dict[str, str], payload: dict) -> bytes:
    head = b"".join(_header(k, v) for k, v in headers.items())
    body = json.dumps(payload).encode()
    total = 12 + len(head) + len(body) + 4
    prelude = struct.pack("!II", total, len(head))
    prelude += struct.pack("!I", binascii.crc32(prelude) & 0xFFFFFFFF)
    without_crc = prelude + head + body
    return without_crc + struct.pack("!I", binascii.crc32(without_crc) & 0xFFFFFFFF)


def event(kind: str, payload: dict) -> bytes:
    return message({":message-type": "event", ":event-type": kind, ":content-type": "application/json"}, payload)


def exception(kind: str, text: str) -> bytes:
    return message({":message-type": "exception", ":exception-type": kind, ":content-type": "application/json"}, {"message": text})


def session(results: list[dict], end_with: str = "") -> bytes:
    """One live tail session: the initial response (JSON-protocol streams open with it),
    the session's start, one update with `results`, and optionally the exception that
    ends it (SessionTimeoutException after three hours)."""
    frames = event("initial-response", {}) + event("sessionStart", {"sessionId": "s-1", "requestId": "r-1"}) + event(
        "sessionUpdate", {"sessionMetadata": {"sampled": False}, "sessionResults": results}
    )
    return frames + (exception(end_with, "the session ended") if end_with else b"")


class _Raw:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.closed = False

    def stream(self, amt: int = 1024):
        for start in range(0, len(self.data), 37):  # odd chunks: the buffer must reassemble frames
            yield self.data[start:start + 37]

    def close(self) -> None:
        self.closed = True

    def release_conn(self) -> None:
        self.closed = True


class LiveTailClient:
    """A CloudWatch Logs client whose StartLiveTail calls answer with the given sessions,
    in order; `requests` records what each call sent."""

    def __init__(self, sessions: list[bytes]) -> None:
        self.client = boto3.client("logs", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="y")
        self.sessions = list(sessions)
        self.requests: list[dict] = []
        self.raws: list[_Raw] = []
        self.client.meta.events.register("before-send.cloudwatch-logs.StartLiveTail", self._answer)

    def _answer(self, request, **_):
        self.requests.append(json.loads(request.body))
        raw = _Raw(self.sessions.pop(0))
        self.raws.append(raw)
        return AWSResponse(request.url, 200, {"Content-Type": "application/vnd.amazon.eventstream"}, raw)
