"""Sessions per named account, and the check that a session really is that account."""

from __future__ import annotations

import contextlib
import copy
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Iterator, Optional

from pipekit.aws.errors import CredentialsError, aws_errors, label, reached_through
from pipekit.errors import EXIT_USAGE, PipekitError
from pipekit.text import unknown


# Operations that only read (by API naming convention); any other waits for the account check.
READ_OPERATIONS = ("Describe", "Get", "List", "Head", "Filter")

# botocore's credential providers that assume a role for a profile (role_arn, web identity):
# the answer that gave the credentials names their account, so STS need not be asked again.
ASSUMING_ROLE = ("assume-role", "assume-role-with-web-identity")


def account_of(assumed: dict[str, Any]) -> str:
    """arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION names the account the credentials are for."""
    return str(assumed["AssumedRoleUser"]["Arn"].split(":")[4])


class AccountMismatch(PipekitError):
    exit_code = EXIT_USAGE


@dataclass(frozen=True)
class AccountAccess:
    """How to reach one named account: its profile, or a role assumed from the hub's."""

    id: str
    profile: Optional[str] = None
    role_arn: Optional[str] = None


@dataclass(frozen=True)
class AccountMap:
    """Every named account of a project, its region, and the hub account whose
    credentials assume the others' role_arn (pipekit's build account)."""

    accounts: dict[str, AccountAccess]
    region: str
    hub: str


@dataclass(frozen=True)
class Overrides:
    """Command-line overrides of what pipekit.yaml says about reaching AWS."""

    profile: Optional[str] = None
    region: Optional[str] = None
    endpoint_url: Optional[str] = None  # else boto3's own AWS_ENDPOINT_URL applies


# Every call pipekit causes, the credential providers' own (a profile's AssumeRole, SSO)
# included, retries adaptively (botocore slows down by itself on throttling) and gives up
# on a silent endpoint: 5 s to connect, 15 s for an answer, 8 retries after the first attempt.
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 15
MAX_ATTEMPTS = 8


def client_config() -> Any:
    from botocore.config import Config as BotoConfig

    return BotoConfig(
        retries={"mode": "adaptive", "max_attempts": MAX_ATTEMPTS},
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        user_agent_extra="pipekit",
    )


class AccountSession:
    """A botocore session for one named account of the config. (botocore, not boto3:
    pipekit needs only clients, and boto3's import costs a deploy a tenth of a second.)"""

    def __init__(
        self, name: str, expected_id: str, session: Any, region: str, endpoint_url: Optional[str], known_id: Optional[str] = None
    ) -> None:
        self.name = name
        self.expected_id = expected_id
        self.session = session
        self.region = region
        self.endpoint_url = endpoint_url
        self.known_id = known_id  # the account AssumeRole answered for: no need to ask STS again
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()  # botocore sessions are not thread-safe; their clients are
        self._check: Optional[Future] = None

    def client(self, service: str) -> Any:
        with self._lock:
            if service not in self._clients:
                kwargs = {"endpoint_url": self.endpoint_url} if self.endpoint_url else {}
                with self._credential_process_output():
                    client = self.session.create_client(service, region_name=self.region, config=client_config(), **kwargs)
                if service != "sts":  # the check's own client must not wait for the check
                    client.meta.events.register("before-parameter-build", self._before_call)
                    client.meta.events.register("after-call", self._after_call)
                    client.meta.events.register("after-call-error", self._after_call_error)
                self._clients[service] = client
            return self._clients[service]

    def verify_in_background(self) -> None:
        """Check the account while the first reads go out. A call that changes anything
        waits for the answer, and so does a call that failed (the check's error explains
        it better): nothing is changed in an account the config does not name."""
        if self.known_id is not None:
            self.verify()
            return
        with aws_errors(self.name):
            if not self._assumes_role():  # else AssumeRole's answer will name the account
                self.client("sts")  # made here: creating clients is not thread-safe
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"verify-{self.name}")
        self._check = pool.submit(self.verify)
        pool.shutdown(wait=False)

    def checked(self) -> None:
        """Wait for a background check; raise what it found (CredentialsError, AccountMismatch...)."""
        if self._check is not None:
            self._check.result()

    def _before_call(self, model: Any, **_: Any) -> None:
        if not model.name.startswith(READ_OPERATIONS):
            self.checked()

    def _after_call(self, http_response: Any, **_: Any) -> None:
        if http_response.status_code >= 300:
            self.checked()

    def _after_call_error(self, **_: Any) -> None:
        self.checked()

    def verify(self) -> str:
        """Refuse to go on unless the credentials belong to the account the config names."""
        if self.known_id is None:
            with aws_errors(self.name):
                self.known_id = self._assumed_account()
        if self.known_id is not None:
            actual = self.known_id
        else:
            with aws_errors(self.name):
                actual = self.client("sts").get_caller_identity()["Account"]
        if actual != self.expected_id:
            raise AccountMismatch(
                f"account {self.name}: the credentials are for account {actual}, but pipekit.yaml says "
                f"{self.name} is {self.expected_id}; nothing was changed (check the profile)"
            )
        return actual

    @contextlib.contextmanager
    def _credential_process_output(self) -> Iterator[None]:
        try:
            yield
        except ValueError as exc:  # botocore parses credential_process's output as JSON, unguarded
            raise CredentialsError(f"{label(self.name)}: credential_process printed something other than credentials JSON ({exc})") from None

    def _assumes_role(self) -> bool:
        """Whether botocore assumes a role for this profile (known before anything is fetched)."""
        with self._lock, self._credential_process_output():
            credentials = self.session.get_credentials()
        return getattr(credentials, "method", None) in ASSUMING_ROLE

    def _assumed_account(self) -> Optional[str]:
        """The account botocore's AssumeRole answered for, when the profile assumes a role;
        else None. botocore keeps each answer in its provider's cache; the one that issued
        these credentials (the same access key) names their account."""
        if not self._assumes_role():
            return None
        with self._credential_process_output():  # a source profile's credential_process runs now
            access_key = self.session.get_credentials().get_frozen_credentials().access_key  # AssumeRole, if not yet
        for provider in self.session.get_component("credential_provider").providers:
            cache = getattr(provider, "cache", None)
            if getattr(provider, "METHOD", None) in ASSUMING_ROLE and isinstance(cache, dict):
                for answer in list(cache.values()):
                    if answer.get("Credentials", {}).get("AccessKeyId") == access_key and "AssumedRoleUser" in answer:
                        return account_of(answer)
        return None  # a cache botocore was given from outside: ask STS


_shared: dict[str, Any] = {}
_shared_lock = threading.Lock()


def _loader(data_path: Optional[str]) -> Any:
    """botocore's Loader, answering one thread at a time. Its answers are cached, but
    threads that ask at once (every account creating its clients together) each do the
    work before the first answer is cached: each lists some 400 model folders and parses
    the same service model again. One at a time, the second asker gets the cached answer."""
    from botocore.loaders import Loader, create_loader

    class OneAtATime(Loader):
        _turn = threading.RLock()  # re-entrant: loading a model lists the services first

        def list_available_services(self, *args: Any, **kwargs: Any) -> Any:
            with self._turn:
                return super().list_available_services(*args, **kwargs)

        def load_service_model(self, *args: Any, **kwargs: Any) -> Any:
            with self._turn:
                return super().load_service_model(*args, **kwargs)

        def load_data_with_path(self, *args: Any, **kwargs: Any) -> Any:
            with self._turn:
                return super().load_data_with_path(*args, **kwargs)

    loader = create_loader(data_path)
    loader.__class__ = OneAtATime  # create_loader's search paths (AWS_DATA_PATH) kept
    return loader


def new_session(profile: Optional[str] = None) -> Any:
    """A botocore session that shares this process's loader and built-in event handlers:
    each service model is read and parsed once per process, not once per account (at 20
    accounts, parsing them again was most of `status`'s time)."""
    from botocore.session import Session

    with _shared_lock:
        if not _shared:
            builtin = Session()
            _shared["loader"] = _loader(builtin.get_config_variable("data_path"))
            _shared["handlers"] = builtin._original_handler  # botocore's built-ins, registered once
    session = Session(event_hooks=copy.copy(_shared["handlers"]), include_builtin_handlers=False, profile=profile)
    session.register_component("data_loader", _shared["loader"])
    session.set_default_client_config(client_config())  # what the credential providers' clients get
    return session


def open_account(accounts: AccountMap, account: str, overrides: Overrides = Overrides()) -> AccountSession:
    """A session for `account`: its profile, or its role assumed from the hub account's."""
    if account not in accounts.accounts:
        raise PipekitError(unknown("account", account, sorted(accounts.accounts)))
    spec = accounts.accounts[account]
    region = overrides.region or accounts.region
    if overrides.profile or not spec.role_arn:
        profile = overrides.profile or spec.profile
        reached_through(account, f"profile {profile}" if profile else "default credentials")
        return AccountSession(account, spec.id, new_session(overrides.profile or spec.profile), region, overrides.endpoint_url)
    source = open_account(accounts, accounts.hub, overrides) if account != accounts.hub else AccountSession(
        accounts.hub, spec.id, new_session(), region, overrides.endpoint_url
    )
    reached_through(account, f"role {spec.role_arn} from account {accounts.hub}'s credentials")
    with aws_errors(account):
        assumed = source.client("sts").assume_role(RoleArn=spec.role_arn, RoleSessionName=f"pipekit-{account}")
    creds = assumed["Credentials"]
    session = new_session()
    session.set_credentials(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    return AccountSession(account, spec.id, session, region, overrides.endpoint_url, account_of(assumed))
