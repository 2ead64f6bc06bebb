"""What the parts of pipekit.yaml can tell beyond their fields. Shared by the pydantic
models that validate the file (models.py, hooks.py) and the plain objects commands run on
(plain.py), so that a command reading a config validated before never imports pydantic."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from pipekit.config.constants import BUILD_ACCOUNT


class SmokeCheckBehaviour:
    @property
    def kind(self) -> str:
        return "http" if self.path is not None else "invoke"


class HooksBehaviour:
    def settings(self) -> dict[str, Any]:
        """What the hooks read at run time (a stack parameter, so each environment may differ)."""
        return {
            "smoke_checks": [{name: value for name, value in check if value is not None} for check in self.smoke_checks],
            "time_budget_seconds": self.time_budget_seconds,
            "window_minutes": self.post_traffic.window_minutes,
            "max_errors": self.post_traffic.max_errors,
        }


class HooksOverrideBehaviour:
    def apply(self, base: Any) -> Any:
        """The service's hooks with what this environment sets in place of theirs."""
        return base.replaced({key: value for key, value in self if value is not None})


class FunctionBehaviour:
    @property
    def assembly(self) -> str:
        return PurePosixPath(self.project).stem

    @property
    def project_dir(self) -> str:
        return str(PurePosixPath(self.project).parent)


class ServiceBehaviour:
    @property
    def api_functions(self) -> list:
        return [f for f in self.functions if f.api]

    @property
    def runtime_dotnet_version(self) -> str:
        """The .NET version the runtime runs, e.g. dotnet10 -> 10.0."""
        return f"{self.runtime.removeprefix('dotnet')}.0"


class EnvironmentBehaviour:
    def effective_hooks(self, service_hooks: Any) -> Any:
        return self.hooks.apply(service_hooks) if self.hooks else service_hooks

    @property
    def title(self) -> str:
        """CamelCase form for stage names and namespaces: dev -> Dev."""
        return self.name[:1].upper() + self.name[1:]


class ConfigBehaviour:
    # Derived names, used by every template so that they agree with each other.
    def account_id(self, account: str) -> str:
        return self.accounts[account].id

    @property
    def build_account_id(self) -> str:
        return self.account_id(BUILD_ACCOUNT)

    @property
    def target_accounts(self) -> list[str]:
        """Accounts that receive a service, in the order their first environment appears."""
        seen: list[str] = []
        for env in self.environments:
            if env.account not in seen:
                seen.append(env.account)
        return seen

    def environment(self, name: str) -> Any:
        for env in self.environments:
            if env.name == name:
                return env
        raise KeyError(name)


# By the name of the model they belong to: plain.py gives its objects the same behaviour.
BY_MODEL = {
    "SmokeCheck": SmokeCheckBehaviour,
    "Hooks": HooksBehaviour,
    "HooksOverride": HooksOverrideBehaviour,
    "Function": FunctionBehaviour,
    "Service": ServiceBehaviour,
    "Environment": EnvironmentBehaviour,
    "Config": ConfigBehaviour,
}
