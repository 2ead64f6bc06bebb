"""What a `pipekit deploy` puts where: the stacks an account gets, in order, with their
templates, parameters, tags, uploads and prerequisites. Pure: reads templates, calls no
AWS. release/deploy.py carries a plan out."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional, Union

from pipekit import __version__
from pipekit.config.constants import BUILD_ACCOUNT
from pipekit.errors import PipekitError, UsageError
from pipekit.project import cfn_yaml, names
from pipekit.project.names import BUILD_ACCOUNT_TEMPLATE, PIPELINE_TEMPLATE, TARGET_ACCOUNT_TEMPLATE
from pipekit.release.setup import SetupStack, pipeline_prerequisites

if TYPE_CHECKING:
    from pipekit.config.models import Config


class DeployFailed(PipekitError):
    """A stack could not be deployed."""


@dataclass(frozen=True)
class FromOutput:
    """A parameter taken from an output of a stack already deployed in another account."""

    account: str
    stack: str
    output: str

    def describe(self) -> str:
        return f"output {self.output} of {self.stack} ({self.account} account)"


ParameterValue = Union[str, FromOutput]


@dataclass(frozen=True)
class CodeUpload:
    """Code a stack runs, put in the artifact bucket under its SHA-256 before the stack
    is deployed: the bytes were built from the pipekit that makes the plan."""

    bucket: str
    key: str
    sha256: str
    body: bytes = field(repr=False, compare=False)
    what: str = ""

    def describe(self) -> str:
        return f"upload {self.what} {len(self.body)} bytes, sha256 {self.sha256}, to s3://{self.bucket}/{self.key}"


@dataclass(frozen=True)
class StackPlan:
    account: str
    account_id: str
    stack_name: str
    template: Path
    reason: str
    parameters: dict[str, ParameterValue] = field(default_factory=dict)
    capabilities: tuple[str, ...] = ()
    tags: dict[str, str] = field(default_factory=dict)
    uploads: tuple[CodeUpload, ...] = ()  # done, in order, before the stack's change set
    # Stacks in other accounts that must be in place before this one is first created.
    prerequisites: tuple[SetupStack, ...] = ()
    template_url: str = ""  # set for a template too large to pass inline (release/template_url.py)
    role_arn: Optional[str] = None  # the service role CloudFormation deploys the stack with


def plan_account(
    cfg: Config,
    root: Path,
    account: str,
    *,
    template: Optional[Path] = None,
    stack_name: Optional[str] = None,
    parameters: Optional[dict[str, str]] = None,
) -> list[StackPlan]:
    """The stacks `account` gets, in deploy order. Pure: reads templates, calls no AWS."""
    if account not in cfg.accounts:
        raise UsageError(f"unknown account {account!r} (known: {', '.join(sorted(cfg.accounts))})")
    if template is not None:
        if not stack_name:
            raise UsageError("--template needs --stack-name")
        return [_plan(cfg, account, stack_name, template, f"{template.name} as given", dict(parameters or {}))]
    if stack_name or parameters:
        raise UsageError("--stack-name and --parameter apply to --template only")
    if account == BUILD_ACCOUNT:
        return [
            _plan(cfg, account, names.artifacts_stack(cfg), root / BUILD_ACCOUNT_TEMPLATE, "artifact key and bucket", {}),
            _pipeline_plan(cfg, account, root / PIPELINE_TEMPLATE),
        ]
    if account not in cfg.target_accounts:
        raise UsageError(f"account {account!r} hosts no environment; nothing of pipekit's belongs there")
    key = FromOutput(BUILD_ACCOUNT, names.artifacts_stack(cfg), "ArtifactKeyArn")
    return [_plan(cfg, account, names.target_stack(cfg), root / TARGET_ACCOUNT_TEMPLATE, "deployment and execution roles", {"ArtifactKeyArn": key})]


def _pipeline_plan(cfg: Config, account: str, template: Path) -> StackPlan:
    """The pipeline stack, created only once every target account's roles are in place
    (release/setup.py); with a gated environment, first the review function's code
    (pipekit's own review modules, zipped here) goes to the artifact bucket."""
    reason = "the pipeline (imports the artifact stack's exports; created once every target account's roles are in place)"
    prerequisites = tuple(pipeline_prerequisites(cfg))
    if not any(env.approval == "manual" for env in cfg.environments):
        return replace(_plan(cfg, account, names.pipeline_stack(cfg), template, reason, {}), prerequisites=prerequisites)
    from pipekit.review_function import package

    code = package.build()
    upload = CodeUpload(names.artifact_bucket(cfg), code.key, code.sha256, code.body, f"the review function's code, {len(code.files)} files,")
    parameters = {"ReviewFunctionBucket": upload.bucket, "ReviewFunctionKey": upload.key}
    plan = _plan(cfg, account, names.pipeline_stack(cfg), template, f"{reason}; first: {upload.describe()}", parameters)
    return replace(plan, uploads=(upload,), prerequisites=prerequisites)


def _plan(cfg: Config, account: str, stack: str, template: Path, reason: str, parameters: dict) -> StackPlan:
    body = _read_template(template)
    local = cfn_yaml.local_code_paths(body)
    if local:
        raise UsageError(
            f"{template}: code at local paths ({', '.join(local)}) must be packaged first "
            "(aws cloudformation package), then deploy the packaged template"
        )
    declared = body.get("Parameters") or {}
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise UsageError(f"{template} has no parameter {', '.join(unknown)} (it has: {', '.join(declared) or 'none'})")
    missing = sorted(k for k, v in declared.items() if k not in parameters and "Default" not in (v or {}))
    if missing:
        raise UsageError(f"{template} needs a value for {', '.join(missing)} (--parameter KEY=VALUE)")
    envs = [e.name for e in cfg.environments if e.account == account]
    tags = {"pipekit:project": cfg.project, "pipekit:environment": ",".join(envs) or account, "pipekit:version": __version__}
    return StackPlan(account, cfg.account_id(account), stack, template, reason, parameters, tuple(cfn_yaml.capabilities(body)), tags)


def _read_template(path: Path) -> dict:
    try:
        return cfn_yaml.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: not found (run `pipekit render` first)") from None
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path}: not a readable CloudFormation template: {exc}") from None


def resolve_parameters(plan: StackPlan, read_output: Callable[[FromOutput], Optional[str]]) -> dict[str, str]:
    """Concrete parameter values; outputs of other stacks are read through `read_output`."""
    resolved: dict[str, str] = {}
    for key, value in plan.parameters.items():
        if isinstance(value, FromOutput):
            found = read_output(value)
            if not found:
                raise DeployFailed(
                    f"{plan.stack_name} needs {key} from {value.describe()}, which is not deployed yet: "
                    f"run `pipekit deploy --account {value.account}` first"
                )
            resolved[key] = found
        else:
            resolved[key] = value
    return resolved
