"""Where a developer's own stack goes and what may be done to it: the environment that
allows personal stacks, the stack's name and tags, the code bucket, and the refusals.
Pure: reads the config only."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

from pipekit.config.constants import BUILD_ACCOUNT
from pipekit.errors import UsageError
from pipekit.project import layout, names
from pipekit.text import unknown

if TYPE_CHECKING:
    from pipekit.config.models import Config, Environment

NAME = re.compile(r"^[a-z][a-z0-9]{0,15}$")
# The tag that marks a stack as pipekit's personal stack for one name; `dev destroy`
# deletes nothing without it.
PERSONAL_TAG = "pipekit:personal-stack"
PROJECT_TAG = "pipekit:project"
# A personal stack takes its traffic at once: a canary would only slow the loop down.
DEPLOYMENT_TYPE = "AllAtOnce"


@dataclass(frozen=True)
class PersonalStack:
    env: str
    account: str
    account_id: str
    name: str
    stack: str
    bucket: str
    bucket_account: str  # the account whose credentials put the code in the bucket
    role_arn: Optional[str]  # the stack's execution role: reads code from the artifact bucket
    parameters: dict[str, str]
    tags: dict[str, str]

    @property
    def code_prefix(self) -> str:
        return f"dev/{self.name}"


def personal_name(given: Optional[str], login: str) -> str:
    """--name, or the login name made fit (lowercase letters and digits)."""
    if given is not None:
        if not NAME.match(given):
            raise UsageError(f"--name {given!r}: expected 1-16 lowercase letters and digits, starting with a letter")
        return given
    derived = re.sub(r"[^a-z0-9]", "", login.lower()).lstrip("0123456789")[:16]
    if not derived:
        raise UsageError(f"cannot make a stack name from the login {login!r}; pass --name")
    return derived


def dev_environments(cfg: Config) -> list[Environment]:
    return [env for env in cfg.environments if env.personal_stacks is not None]


def environment_for(cfg: Config, env_name: Optional[str]) -> Environment:
    """The dev-like environment to use, or why none may be used. An environment allows
    personal stacks only with personal_stacks in pipekit.yaml, and only when every
    environment in its account does (a personal stack must never sit beside prod)."""
    allowed = dev_environments(cfg)
    if env_name is None:
        if not allowed:
            raise UsageError("no environment allows personal stacks: add `personal_stacks: true` to your dev environment in pipekit.yaml")
        if len(allowed) > 1:
            raise UsageError(f"several environments allow personal stacks ({', '.join(e.name for e in allowed)}); pick one with --env")
        env = allowed[0]
    else:
        try:
            env = cfg.environment(env_name)
        except KeyError:
            raise UsageError(unknown("environment", env_name, [e.name for e in cfg.environments])) from None
        if env.personal_stacks is None:
            where = ", ".join(e.name for e in allowed) or "none"
            raise UsageError(f"environment {env.name!r} does not allow personal stacks (personal_stacks in pipekit.yaml; allowed: {where})")
    others = [e.name for e in cfg.environments if e.account == env.account and e.personal_stacks is None]
    if others:
        raise UsageError(
            f"account {env.account!r} also hosts {', '.join(others)}, which does not allow personal stacks; "
            f"pipekit dev works only in accounts that are dev accounts throughout"
        )
    return env


def personal_stack(cfg: Config, env: Environment, name: str) -> PersonalStack:
    stage = next(s for s in layout.stages(cfg) if s.env.name == env.name)
    own_bucket = env.personal_stacks.bucket if env.personal_stacks else None
    return PersonalStack(
        env=env.name,
        account=env.account,
        account_id=cfg.account_id(env.account),
        name=name,
        stack=names.personal_stack(cfg, env.name, name),
        bucket=own_bucket or names.artifact_bucket(cfg),
        bucket_account=env.account if own_bucket else BUILD_ACCOUNT,
        # The artifact bucket lets only the target accounts' pipekit roles read: the
        # stack is deployed with the execution role, as the pipeline deploys it.
        role_arn=None if own_bucket else stage.target.exec_role_arn,
        parameters={**stage.parameters, "DeploymentType": DEPLOYMENT_TYPE},
        tags={PROJECT_TAG: cfg.project, PERSONAL_TAG: name},
    )


def owned_by(stack_tags: dict[str, str], target: PersonalStack, project: str) -> bool:
    """Whether the stack is pipekit's personal stack of this project for this name."""
    return stack_tags.get(PERSONAL_TAG) == target.name and stack_tags.get(PROJECT_TAG) == project


def upload_code(s3: Any, target: PersonalStack, code: Any) -> None:
    """A function's code into the personal stack's bucket, once (by its SHA-256)."""
    from pipekit.aws.s3 import BucketNotFound

    try:
        s3.put_if_absent(code.bucket, code.key, code.body, code.sha256)
    except BucketNotFound:
        if target.bucket_account == BUILD_ACCOUNT:
            raise  # deploy says: deploy the build account first
        raise UsageError(f"bucket {code.bucket} (personal_stacks.bucket of {target.env}) does not exist in account "
                         f"{target.account}; create it, or drop bucket to use the artifact bucket") from None
