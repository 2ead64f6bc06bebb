"""pipekit's service wrappers per named account, opened (and account-checked) once each."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any, Callable, Optional

from pipekit.aws.errors import aws_errors, forget_accounts
from pipekit.aws.sessions import AccountMap, AccountSession, Overrides


def _wrapper(service: str) -> Callable[[Any], Any]:
    if service == "cloudformation":
        from pipekit.aws.cloudformation import CloudFormation as wrapper
    elif service == "codedeploy":
        from pipekit.aws.codedeploy import CodeDeploy as wrapper
    elif service == "lambda":
        from pipekit.aws.lambda_ import Lambda as wrapper
    elif service == "cloudwatch":
        from pipekit.aws.cloudwatch import CloudWatch as wrapper
    elif service == "logs":
        from pipekit.aws.logs import Logs as wrapper
    elif service == "codepipeline":
        from pipekit.aws.codepipeline import CodePipeline as wrapper
    elif service == "codebuild":
        from pipekit.aws.codebuild import CodeBuild as wrapper
    elif service == "s3":
        from pipekit.aws.s3 import S3 as wrapper
    else:
        raise ValueError(service)
    return wrapper


class AwsClients:
    """clients(account, service) -> CloudFormation / CodeDeploy / Lambda / CodePipeline / Logs / CloudWatch / CodeBuild / S3.
    Safe to share between threads: each account is opened and checked once."""

    def __init__(self, accounts: AccountMap, overrides: Overrides, open_account: Callable[..., AccountSession], primary: Optional[str] = None) -> None:
        """--profile belongs to the account the command is about (`primary`); other
        accounts it reads from (e.g. the build account's outputs) keep their own."""
        self.accounts, self.overrides, self.open_account, self.primary = accounts, overrides, open_account, primary
        # Deploy checks each account id while its first reads go out (writes wait for the
        # answer; see AccountSession.verify_in_background); commands that only read check first.
        self.check_in_background = False
        self._sessions: dict[str, AccountSession] = {}
        self._wrappers: dict[tuple[str, str], Any] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        forget_accounts()

    def _lock(self, account: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(account, threading.Lock())

    def session(self, account: str) -> AccountSession:
        with self._lock(account):
            if account not in self._sessions:
                overrides = self.overrides if account == self.primary or self.primary is None else replace(self.overrides, profile=None)
                session = self.open_account(self.accounts, account, overrides)
                if self.check_in_background:
                    session.verify_in_background()
                else:
                    session.verify()
                self._sessions[account] = session
            return self._sessions[account]

    def settle(self) -> None:
        """Wait for the account checks under way; raise the first that failed (a wrong
        account explains any failure that followed better than the failure does)."""
        for account in list(self._sessions):
            with aws_errors(account):
                self._sessions[account].checked()

    def __call__(self, account: str, service: str) -> Any:
        key = (account, service)
        with aws_errors(account):
            session = self.session(account)
            with self._lock(account):
                if key not in self._wrappers:
                    self._wrappers[key] = _wrapper(service)(session.client(service))
                return self._wrappers[key]
