"""The application object every command works through (Hatch's Application is the model):
the project and its config, whether a person can be asked, and the AWS clients. Commands
stay thin: parse options, ask the app, call the core, print with ui/."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import click

from pipekit.config.constants import DEFAULT_CONFIG
from pipekit.errors import UsageError

if TYPE_CHECKING:
    from pipekit.aws.clients import AwsClients
    from pipekit.config import Config, Environment


class Application:
    def __init__(self, config_path: Optional[Path] = None, endpoint_url: Optional[str] = None) -> None:
        self.config_path = find_config(config_path)
        self.endpoint_url = endpoint_url
        self.verbosity = 0  # 1 --verbose, 2 --debug: what a one-line error hides is shown
        self._config: Optional["Config"] = None

    # ------------------------------------------------------------ the project

    @property
    def root(self) -> Path:
        """The project folder: the config's folder."""
        return self.config_path.parent

    @property
    def config(self) -> "Config":
        if self._config is None:
            from pipekit.config import load_config  # pydantic: only once a command runs

            self._config = load_config(self.config_path)
        return self._config

    def environment(self, name: str) -> "Environment":
        """The named environment, or a usage error that lists the known ones."""
        try:
            return self.config.environment(name)
        except KeyError:
            from pipekit.text import unknown

            raise UsageError(unknown("environment", name, [e.name for e in self.config.environments])) from None

    # ------------------------------------------------------------ the person at the keyboard

    @staticmethod
    def can_ask() -> bool:
        """Whether a question can be answered: stdin is a terminal."""
        return sys.stdin.isatty()

    @staticmethod
    def confirm(question: str) -> bool:
        return click.confirm(question, default=False)

    # ------------------------------------------------------------ AWS

    def aws(self, primary: Optional[str], profile: Optional[str] = None, region: Optional[str] = None) -> "AwsClients":
        """Clients per named account; --profile and --region apply to `primary`, the
        account the command is about (None: every account)."""
        from pipekit.aws import sessions
        from pipekit.aws.clients import AwsClients
        from pipekit.config import BUILD_ACCOUNT

        cfg = self.config
        accounts = sessions.AccountMap(
            {name: sessions.AccountAccess(a.id, a.profile, a.role_arn) for name, a in cfg.accounts.items()}, cfg.region, BUILD_ACCOUNT
        )
        overrides = sessions.Overrides(profile=profile, region=region, endpoint_url=self.endpoint_url)
        # Looked up at call time, so that tests can stand in for AWS.
        return AwsClients(accounts, overrides, lambda *args: sessions.open_account(*args), primary=primary)


def find_config(given: Optional[Path], start: Optional[Path] = None) -> Path:
    """--config FILE, --config DIR (its pipekit.yaml), or the nearest pipekit.yaml in this
    folder or one above it, as git finds its repository; else ./pipekit.yaml (which
    loading then reports missing)."""
    if given is not None:
        return given / DEFAULT_CONFIG if given.is_dir() else given
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / DEFAULT_CONFIG).is_file():
            return folder / DEFAULT_CONFIG if folder != here else Path(DEFAULT_CONFIG)
    return Path(DEFAULT_CONFIG)


pass_app = click.make_pass_decorator(Application)
