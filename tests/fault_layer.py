"""A fault-injecting WSGI layer in front of moto (server mode), for the reliability tests.

It serves the same moto backends as the session's moto server (they live in this
process), on its own 127.0.0.1 port, and can:
- lose a response: pass the request to moto (it is applied), then answer 503 as if the
  answer never came, so botocore sends the request again;
- fail a request before moto sees it (503), a given number of times;
- hold a request (a delay), and tell the test when one arrives;
- answer a repeated mutation as CloudFormation does (API reference): a second
  CreateChangeSet of a name is AlreadyExistsException, a second ExecuteChangeSet is
  InvalidChangeSetStatus ("cannot be executed in its current status of
  [EXECUTE_COMPLETE]"), a DeleteChangeSet of a change set already deleted is
  ChangeSetNotFound. A repeat carrying the token of the first (ClientToken,
  ClientRequestToken) gets the first answer back, as CloudFormation's idempotency does,
  unless honour_tokens is off (as for a request without a token).
moto answers none of these repeats like CloudFormation, which is why the layer does."""

from __future__ import annotations

import io
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Optional
from urllib.parse import parse_qs

ERROR = (
    '<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>{kind}</Type>'
    "<Code>{code}</Code><Message>{message}</Message></Error><RequestId>fault-layer</RequestId></ErrorResponse>"
)
TOKEN_PARAMS = {"CreateChangeSet": "ClientToken", "ExecuteChangeSet": "ClientRequestToken"}


@dataclass
class Rule:
    action: str
    kind: str  # lose | fail | delay (before moto sees it) | hold (after moto applied it) | refuse
    times: int = 1
    seconds: float = 0.0
    skip: int = 0  # let this many matching requests through first
    refusal: tuple[int, str, str] = (0, "", "")  # refuse: status, code, message


@dataclass
class Seen:
    action: str
    params: dict
    answered: int = 0


@dataclass
class FaultLayer:
    app: Callable
    honour_tokens: bool = True
    rules: list[Rule] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    watch: str = ""  # an action that sets `arrived` once moto applied it (for delay: once it is held)
    rng: Optional[random.Random] = None  # random faults: lose or fail mutations at `rate`
    rate: float = 0.0
    _done: dict = field(default_factory=dict)  # (action, stack, change set) -> (token, status, body)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def lose(self, action: str, times: int = 1) -> None:
        self.rules.append(Rule(action, "lose", times))

    def fail(self, action: str, times: int = 1) -> None:
        self.rules.append(Rule(action, "fail", times))

    def delay(self, action: str, seconds: float, times: int = 1) -> None:
        self.rules.append(Rule(action, "delay", times, seconds))

    def hold(self, action: str, seconds: float, times: int = 1) -> None:
        self.rules.append(Rule(action, "hold", times, seconds))

    def refuse(self, action: str, status: int, code: str, message: str, times: int = 1, skip: int = 0) -> None:
        """Answer with an error before moto sees the request (e.g. ExpiredToken)."""
        self.rules.append(Rule(action, "refuse", times, skip=skip, refusal=(status, code, message)))

    def calls(self, action: str) -> list[Seen]:
        return [s for s in self.seen if s.action == action]

    def __call__(self, environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        params = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        action = params.get("Action", "")
        with self._lock:
            self.seen.append(Seen(action, params))
            rule = next((r for r in self.rules if r.action == action and r.times > 0), None)
            if rule is not None and rule.skip > 0:
                rule.skip -= 1
                rule = None
            elif rule is not None:
                rule.times -= 1
            elif self.rng is not None and action in ("CreateChangeSet", "ExecuteChangeSet", "DeleteChangeSet", "DeleteStack"):
                roll = self.rng.random()
                rule = Rule(action, "lose" if roll < self.rate / 2 else "fail") if roll < self.rate else None
        if action == self.watch and rule is not None and rule.kind == "delay":
            self.arrived.set()  # held before moto sees it
        if rule is not None and rule.kind == "delay":
            time.sleep(rule.seconds)
        if rule is not None and rule.kind == "refuse":
            status, code, message = rule.refusal
            return self._answer(start_response, status, ERROR.format(kind="Sender", code=code, message=message))
        if rule is not None and rule.kind == "fail":
            return self._answer(start_response, 503, ERROR.format(kind="Receiver", code="ServiceUnavailable", message="injected"))
        repeat = self._repeat(action, params)
        headers: list = []
        if repeat is not None:
            status, data = repeat[0], repeat[1].encode("utf-8")
        else:
            status, headers, data = self._forward(environ)
            self._record(action, params, status, data.decode("utf-8", "replace"))
        if action == self.watch and (rule is None or rule.kind == "hold"):
            self.arrived.set()  # applied (its answer held, for hold)
        if rule is not None and rule.kind == "hold":
            time.sleep(rule.seconds)
        if rule is not None and rule.kind == "lose":
            return self._answer(start_response, 503, ERROR.format(kind="Receiver", code="ServiceUnavailable", message="injected: response lost"))
        if not headers:
            return self._answer(start_response, status, data.decode("utf-8"))
        start_response(f"{status} {'OK' if status == 200 else 'Error'}", headers)
        return [data]

    def _forward(self, environ) -> tuple[int, list, bytes]:
        captured: dict = {}

        def start(status, headers, exc_info=None):
            captured["status"], captured["headers"] = int(status.split()[0]), headers
            return lambda data: None

        chunks = self.app(environ, start)
        try:
            data = b"".join(chunks)
        finally:
            getattr(chunks, "close", lambda: None)()
        return captured["status"], captured["headers"], data

    @staticmethod
    def _key(action: str, params: dict) -> tuple:
        return action, params.get("StackName", ""), params.get("ChangeSetName", "")

    def _repeat(self, action: str, params: dict) -> Optional[tuple[int, str]]:
        """CloudFormation's answer to a mutation that already happened."""
        done = self._done.get(self._key(action, params))
        if done is None:
            return None
        first_token, status, text = done
        name = params.get("ChangeSetName", "")
        if self.honour_tokens and first_token and params.get(TOKEN_PARAMS.get(action, "")) == first_token:
            return status, text
        if action == "CreateChangeSet":
            return 400, ERROR.format(kind="Sender", code="AlreadyExistsException", message=f"ChangeSet {name} already exists")
        if action == "ExecuteChangeSet":
            return 400, ERROR.format(kind="Sender", code="InvalidChangeSetStatus",
                                     message=f"ChangeSet [{name}] cannot be executed in its current status of [EXECUTE_COMPLETE]")
        return 400, ERROR.format(kind="Sender", code="ChangeSetNotFound", message=f"ChangeSet [{name}] does not exist")

    def _record(self, action: str, params: dict, status: int, text: str) -> None:
        if action in ("CreateChangeSet", "ExecuteChangeSet", "DeleteChangeSet") and status == 200:
            self._done[self._key(action, params)] = (params.get(TOKEN_PARAMS.get(action, ""), ""), status, text)

    @staticmethod
    def _answer(start_response, status: int, text: str):
        reason = {200: "OK", 400: "Bad Request", 403: "Forbidden", 503: "Service Unavailable"}.get(status, "Error")
        data = text.encode("utf-8")
        start_response(f"{status} {reason}", [("Content-Type", "text/xml"), ("Content-Length", str(len(data)))])
        return [data]


class Front:
    """The layer's server: the current test's FaultLayer is swapped in per test."""

    def __init__(self) -> None:
        from moto.server import DomainDispatcherApplication, create_backend_app
        from werkzeug.serving import make_server

        self.backend = DomainDispatcherApplication(create_backend_app)
        self.layer = FaultLayer(self.backend)
        self.server = make_server("127.0.0.1", 0, lambda env, start: self.layer(env, start), threaded=True)
        self.endpoint = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def fresh(self, **kwargs) -> FaultLayer:
        self.layer = FaultLayer(self.backend, **kwargs)
        return self.layer

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join()
