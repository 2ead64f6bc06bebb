"""Putting a developer's stack in place: build, package, then the same change-set path as
`pipekit deploy` (release/deploy.py); or, when only function code changed since the last
deploy of this session, the code straight into the functions (dev only)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Optional

from pipekit.develop import package as packaging
from pipekit.develop.personal import PersonalStack
from pipekit.errors import PipekitError
from pipekit.project import build_commands, names
from pipekit.release import deploy as release
from pipekit.release.polling import Backoff

if TYPE_CHECKING:
    from pipekit.config.models import Config

ALIAS = "live"  # the service template's AutoPublishAlias


@dataclass(frozen=True)
class Building:
    command: tuple[str, ...]


@dataclass(frozen=True)
class CodeUpdated:
    """Code went straight into a function (UpdateFunctionCode), not through the stack."""

    logical_id: str
    function: str
    version: str  # the version published and pointed to by the alias ("" for a hook)
    seconds: float


@dataclass(frozen=True)
class Round:
    """One build-and-deploy: through the stack (outcomes), or code only (updates)."""

    path: str  # stack | code | nothing
    outcomes: list[release.StackOutcome] = field(default_factory=list)
    updates: list[CodeUpdated] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(o.ok for o in self.outcomes)




def packaged_path(root: Path, target: PersonalStack) -> Path:
    """Where the packaged template of a personal stack is written (under build/)."""
    return root / build_commands.BUILD_DIR / f"{target.stack}.template.json"


def plan(cfg: Config, root: Path, target: PersonalStack, packaged: packaging.Packaged) -> release.StackPlan:
    """The personal stack's plan, made as `deploy --template` makes one, with its code
    uploads, its tags and its service role."""
    path = packaged_path(root, target)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(packaged.text, encoding="utf-8")
    stack_plan = release.plan_account(cfg, root, target.account, template=path, stack_name=target.stack, parameters=target.parameters)[0]
    uploads = tuple(
        release.CodeUpload(target.bucket, c.key, c.sha256, c.body, f"{c.logical_id}'s code,") for c in packaged.code
    )
    return replace(
        stack_plan,
        reason=f"{target.name}'s own stack in {target.env}, built from this working tree",
        tags={**stack_plan.tags, **target.tags},
        uploads=uploads,
        role_arn=target.role_arn,
    )


class PersonalDeploy:
    """Deploys one personal stack, again and again (--watch): remembers what it last
    deployed, so that a change in function code alone skips CloudFormation."""

    def __init__(
        self,
        cfg: Config,
        root: Path,
        target: PersonalStack,
        *,
        build: Callable[[Callable[[tuple[str, ...]], None]], Any],
        deploy: Callable[[release.StackPlan], list[release.StackOutcome]],
        cloudformation: Any,
        functions: Any,
        on_event: Callable[[Any], None],
        backoff: Callable[[], Backoff] = Backoff,
        clock: Callable[[], float] = time.monotonic,
        direct_code: bool = True,
    ) -> None:
        self.cfg, self.root, self.target = cfg, root, target
        self.build, self.deploy, self.cf, self.functions = build, deploy, cloudformation, functions
        self.on_event, self.backoff, self.clock = on_event, backoff, clock
        self.direct_code = direct_code
        self.last: Optional[packaging.Packaged] = None

    def package(self) -> packaging.Packaged:
        self.build(lambda command: self.on_event(Building(command)))
        return packaging.package(self.root / names.SERVICE_TEMPLATE, self.target.bucket, self.target.code_prefix)

    def once(self) -> Round:
        packaged = self.package()
        # Forgotten until this round succeeds: after a failure the next round goes
        # through the stack.
        last, self.last = self.last, None
        if last is not None and self.direct_code and not packaging.needs_stack_update(last, packaged):
            changed = packaging.code_only_change(last, packaged)
            updates = [self._update_code(code, packaged.template) for code in changed]
            self.last = packaged
            return Round("code" if updates else "nothing", updates=updates)
        outcomes = self.deploy(plan(self.cfg, self.root, self.target, packaged))
        if outcomes and all(o.ok for o in outcomes):
            self.last = packaged
        return Round("stack", outcomes=outcomes)

    def _update_code(self, code: packaging.Code, template: dict) -> CodeUpdated:
        started = self.clock()
        function = self._physical_function(code.logical_id)
        self.functions.function_code_updating(function, code.body)
        self._wait_for_update(function)
        version = ""
        if _has_alias(template, code.logical_id):
            version = self.functions.publish_version(function)
            self.functions.point_alias(function, ALIAS, version)
        event = CodeUpdated(code.logical_id, function, version, self.clock() - started)
        self.on_event(event)
        return event

    def _physical_function(self, logical_id: str) -> str:
        for resource in self.cf.resources(self.target.stack):
            if resource.get("LogicalResourceId") == logical_id and resource.get("ResourceType") == "AWS::Lambda::Function":
                return resource["PhysicalResourceId"]
        raise PipekitError(f"{self.target.stack} has no function {logical_id}; deploy the stack again")

    def _wait_for_update(self, function: str) -> None:
        backoff = self.backoff()
        while True:
            status, reason = backoff.read(lambda: self.functions.update_state(function))
            if status == "Successful":
                return
            if status == "Failed":
                raise PipekitError(f"{function}: the code update failed: {reason}")
            backoff.wait()


def _has_alias(template: dict, logical_id: str) -> bool:
    resource = (template.get("Resources") or {}).get(logical_id) or {}
    return bool((resource.get("Properties") or {}).get("AutoPublishAlias"))
