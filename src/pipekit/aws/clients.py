"""pipekit's service wrappers per named account, opened (and account-checked) once each."""

from __future__ import annotations

from typing import Any, Callable

from pipekit.aws.errors import aws_errors
from pipekit.aws.sessions import AccountSession, Overrides
from pipekit.config.models import Config


def _wrapper(service: str) -> Callable[[Any], Any]:
    if service == "cloudformation":
        from pipekit.aws.cloudformation import CloudFormation as wrapper
    elif service == "codedeploy":
        from pipekit.aws.codedeploy import CodeDeploy as wrapper
    elif service == "lambda":
        from pipekit.aws.lambda_ import Lambda as wrapper
    elif service == "codepipeline":
        from pipekit.aws.codepipeline import CodePipeline as wrapper
    else:
        raise ValueError(service)
    return wrapper


class AwsClients:
    """clients(account, service) -> CloudFormation / CodeDeploy / Lambda / CodePipeline."""

    def __init__(self, cfg: Config, overrides: Overrides, open_account: Callable[..., AccountSession]) -> None:
        self.cfg, self.overrides, self.open_account = cfg, overrides, open_account
        self._sessions: dict[str, AccountSession] = {}
        self._wrappers: dict[tuple[str, str], Any] = {}

    def session(self, account: str) -> AccountSession:
        if account not in self._sessions:
            session = self.open_account(self.cfg, account, self.overrides)
            session.verify()
            self._sessions[account] = session
        return self._sessions[account]

    def __call__(self, account: str, service: str) -> Any:
        key = (account, service)
        if key not in self._wrappers:
            with aws_errors(account):
                self._wrappers[key] = _wrapper(service)(self.session(account).client(service))
        return self._wrappers[key]
