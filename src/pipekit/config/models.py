"""The pipekit.yaml schema: pydantic models and the rules that tie its parts together."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Literal, Optional

from pydantic import Field, field_validator, model_validator

from pipekit.config.accounts import account_problems
from pipekit.config.behaviour import ConfigBehaviour, EnvironmentBehaviour, FunctionBehaviour, ServiceBehaviour
from pipekit.config.constants import BUILD_ACCOUNT, DEPLOYMENT_TYPES
from pipekit.config.gates import Gates, path_filter_problem
from pipekit.config.hooks import Hooks, HooksOverride, _Model, checks_for
from pipekit.config.notifications import Notifications
from pipekit.config.validation import Validation

# The project name prefixes S3 buckets, IAM roles, stacks and pipelines. The tightest
# of those (the artifact bucket "<project>-artifacts-<12 digits>-<region>", 63 chars)
# sets the length limit; S3 sets the alphabet.
PROJECT_NAME = re.compile(r"^[a-z][a-z0-9-]{1,18}[a-z0-9]$")
ENV_NAME = re.compile(r"^[a-z][a-z0-9]{0,11}$")
ACCOUNT_ID = re.compile(r"^\d{12}$")
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")
DOTNET_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")

DeploymentType = Literal[DEPLOYMENT_TYPES]  # type: ignore[valid-type]

# AWS CodePipeline quotas ("Quotas in AWS CodePipeline"; botocore's model does not carry
# them): 50 stages per pipeline, 50 actions per stage. pipekit's pipeline is Source, Build
# and one stage per environment of at most five actions, so the stages are what binds.
MAX_PIPELINE_STAGES = 50
MAX_ENVIRONMENTS = MAX_PIPELINE_STAGES - 2


def _relative_path(value: str) -> str:
    path = PurePosixPath(value)
    if path.is_absolute() or ".." in path.parts or "\\" in value:
        raise ValueError("must be a relative path inside the project, with forward slashes")
    return str(path)


class Account(_Model):
    id: str = Field(description="12-digit AWS account id")
    profile: Optional[str] = Field(default=None, description="AWS CLI profile that reaches it")
    role_arn: Optional[str] = Field(default=None, description="role assumed from the build profile")

    @field_validator("role_arn")
    @classmethod
    def _role_arn(cls, value: Optional[str]) -> Optional[str]:
        if value is not None and not ROLE_ARN.match(value):
            raise ValueError(f"role_arn must be an IAM role ARN such as arn:aws:iam::333333333333:role/admin, got {value!r}")
        return value

    @field_validator("id", mode="before")
    @classmethod
    def _id(cls, value: object) -> str:
        text = str(value)
        if not ACCOUNT_ID.match(text):
            raise ValueError(f"account id must be exactly 12 digits, got {text!r} (quote it in YAML to keep leading zeros)")
        return text


class Source(_Model):
    provider: Literal["codeconnections", "codecommit"] = "codeconnections"
    connection_arn: Optional[str] = None
    repository: str = Field(description="owner/name for CodeConnections, the repository name for CodeCommit")
    branch: str = "main"
    paths: list[str] = Field(default_factory=list, description="only pushes touching these path globs release (CodeConnections)")
    ignore_paths: list[str] = Field(default_factory=list, description="pushes touching only these path globs do not release, e.g. docs/**")

    @model_validator(mode="after")
    def _provider_fields(self) -> "Source":
        problem = path_filter_problem(self.provider, self.paths, self.ignore_paths)
        if problem:
            raise ValueError(problem)
        if self.provider == "codeconnections":
            if not self.connection_arn:
                raise ValueError("connection_arn is required when provider is codeconnections")
            if not re.match(r"^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:connection/[\w-]+$", self.connection_arn):
                raise ValueError(
                    "connection_arn must be a CodeConnections connection ARN such as "
                    f"arn:aws:codeconnections:eu-west-1:111111111111:connection/<id>, got {self.connection_arn!r}"
                )
            if "/" not in self.repository:
                raise ValueError("repository must be owner/name for CodeConnections")
        elif self.connection_arn:
            raise ValueError("connection_arn only applies to provider codeconnections")
        return self


class Build(_Model):
    image: str = "aws/codebuild/amazonlinux-x86_64-standard:5.0"
    compute_type: Literal[
        "BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_MEDIUM", "BUILD_GENERAL1_LARGE"
    ] = "BUILD_GENERAL1_SMALL"
    dotnet_version: str = "10.0"
    projects: list[str] = Field(min_length=1, description="projects (.csproj) to build")
    unit_tests: list[str] = Field(default_factory=list, description="unit-test projects (.csproj)")

    @field_validator("dotnet_version", mode="before")
    @classmethod
    def _dotnet(cls, value: object) -> str:
        text = str(value)
        if not re.match(r"^\d+\.\d+$", text):
            raise ValueError(f"dotnet_version must look like 10.0, got {text!r}")
        return text

    @field_validator("projects", "unit_tests")
    @classmethod
    def _csproj(cls, values: list[str]) -> list[str]:
        for value in values:
            _relative_path(value)
            if not value.endswith(".csproj"):
                raise ValueError(f"{value!r} is not a .csproj file")
        return values


class Function(FunctionBehaviour, _Model):
    name: str = Field(description="logical name, e.g. OrdersApi")
    project: str = Field(description="the .csproj of the function")
    handler: Optional[str] = Field(default=None, description="defaults to the assembly name (executable-assembly hosting)")
    api: bool = Field(default=True, description="route the HTTP API to it")
    api_path: str = "/{proxy+}"
    memory: Optional[int] = Field(default=None, ge=128, le=10240)
    timeout: Optional[int] = Field(default=None, ge=1, le=900)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not DOTNET_IDENT.match(value) or len(value) > 40:
            raise ValueError("function name must be letters and digits, starting with a letter, at most 40 characters")
        return value

    @field_validator("project")
    @classmethod
    def _project(cls, value: str) -> str:
        _relative_path(value)
        if not value.endswith(".csproj"):
            raise ValueError(f"{value!r} is not a .csproj file")
        return value


class Table(_Model):
    name: str = Field(description="short name; the table is <project>-<env>-<name>")
    partition_key: str = "id"

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not re.match(r"^[a-z][a-z0-9-]{0,30}$", value):
            raise ValueError("table name must be lowercase letters, digits and hyphens, at most 31 characters")
        return value


class Alarms(_Model):
    errors_threshold: int = Field(default=1, ge=1, description="new-version errors per period that fail a deployment")
    api_5xx_threshold: int = Field(default=1, ge=1, description="API 5XX responses per period that fail a deployment")
    period_seconds: Literal[10, 30, 60, 120, 300] = 60
    evaluation_periods: int = Field(default=1, ge=1, le=10)


class Service(ServiceBehaviour, _Model):
    runtime: str = "dotnet10"
    architecture: Literal["x86_64", "arm64"] = "x86_64"
    memory: int = Field(default=512, ge=128, le=10240)
    timeout: int = Field(default=15, ge=1, le=900)
    log_retention_days: Literal[1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] = 30
    functions: list[Function] = Field(min_length=1, description="the Lambda functions, at least one (name and project)")
    table: Optional[Table] = None
    alarms: Alarms = Field(default_factory=Alarms)
    hooks: Hooks = Field(default_factory=Hooks)

    @field_validator("runtime")
    @classmethod
    def _runtime(cls, value: str) -> str:
        if not re.match(r"^dotnet\d+$", value):
            raise ValueError(f"runtime must be a .NET Lambda runtime such as dotnet10, got {value!r}")
        return value

    @model_validator(mode="after")
    def _unique(self) -> "Service":
        names = [f.name for f in self.functions]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate function name: {', '.join(dupes)}; expected each function once")
        paths = [f.api_path for f in self.functions if f.api]
        if len(paths) != len(set(paths)):
            raise ValueError("two functions route the same api_path; give each its own")
        return self


class Review(_Model):
    # release.review.FAIL_ON (a test keeps them equal; the config does not import the review)
    fail_on: Literal["none", "any", "overwrites-drift", "permission", "permission-broadening", "outage", "public-access", "data-loss"] = Field(
        default="none", description="reject the change set automatically when this risk (or a worse one) is in it"
    )


BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


class PersonalStacks(_Model):
    """`pipekit dev deploy` may put developers' own stacks in this environment's account."""

    bucket: Optional[str] = Field(
        default=None, description="a bucket in this environment's account for their code (default: the artifact bucket)"
    )

    @field_validator("bucket")
    @classmethod
    def _bucket(cls, value: Optional[str]) -> Optional[str]:
        if value is not None and not BUCKET_NAME.match(value):
            raise ValueError(f"bucket must be an S3 bucket name (3-63 lowercase letters, digits, dots and hyphens), got {value!r}")
        return value


class Environment(EnvironmentBehaviour, _Model):
    name: str = Field(description="lowercase letters and digits, e.g. dev")
    account: str = Field(description="a key of accounts other than build")
    deployment: DeploymentType = "AllAtOnce"
    integration_tests: Optional[str] = Field(default=None, description="test project run against this environment")
    approval: Optional[Literal["manual"]] = None
    hooks: Optional[HooksOverride] = Field(default=None, description="switch the traffic hooks off here, or change their checks")
    review: Review = Field(default_factory=Review, description="the change-set review in front of a manual approval")
    gates: Gates = Field(default_factory=Gates, description="stage conditions: entry alarms, a deployment window, a bake")
    personal_stacks: Optional[PersonalStacks] = Field(
        default=None, description="true (or a mapping with bucket) lets `pipekit dev deploy` put developers' stacks here"
    )

    @field_validator("personal_stacks", mode="before")
    @classmethod
    def _personal(cls, value: object) -> object:
        if value is True:
            return {}
        return None if value is False else value

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not ENV_NAME.match(value):
            raise ValueError(f"environment name must be lowercase letters and digits, at most 12, starting with a letter; got {value!r}")
        return value

    @field_validator("integration_tests")
    @classmethod
    def _tests(cls, value: Optional[str]) -> Optional[str]:
        if value is not None:
            _relative_path(value)
            if not value.endswith(".csproj"):
                raise ValueError(f"{value!r} is not a .csproj file")
        return value


class Artifacts(_Model):
    noncurrent_version_days: int = Field(
        default=365, ge=30, description="days an overwritten artifact version is kept; current artifacts never expire"
    )


class Config(ConfigBehaviour, _Model):
    project: str = Field(description="lowercase name that prefixes every AWS resource, e.g. orders")
    region: str = Field(description="the AWS region of the pipeline and every environment, e.g. eu-west-1")
    accounts: dict[str, Account] = Field(description="account names with their ids; one named build")
    source: Source = Field(description="where the pipeline gets the code: provider, repository, branch")
    build: Build = Field(description="how the code is built: at least projects")
    service: Service = Field(description="the service: at least functions")
    environments: list[Environment] = Field(min_length=1, description="the environments, in deploy order; at least one")
    artifacts: Artifacts = Field(default_factory=Artifacts)
    notifications: Notifications = Field(default_factory=Notifications)
    validate_: Validation = Field(default_factory=Validation, alias="validate", description="validate's accepted findings")

    @field_validator("project")
    @classmethod
    def _project(cls, value: str) -> str:
        if not PROJECT_NAME.match(value) or "--" in value:
            raise ValueError(
                f"project {value!r} cannot prefix AWS resource names: use 3-20 lowercase letters, digits and "
                "single hyphens, starting with a letter and not ending with a hyphen"
            )
        return value

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        from pipekit.config.regions import region_problem  # reads botocore's data: only when validating

        problem = region_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    def reference_problems(self) -> list[tuple[tuple, str]]:
        """Problems between parts of the config, each with the key path it concerns."""
        problems: list[tuple[tuple, str]] = []
        if BUILD_ACCOUNT not in self.accounts:
            problems.append((("accounts",), "accounts must include one named 'build': it hosts the pipeline and artifacts"))
        if len(self.environments) > MAX_ENVIRONMENTS:
            problems.append((
                ("environments", MAX_ENVIRONMENTS),
                f"{len(self.environments)} environments, expected at most {MAX_ENVIRONMENTS}: a CodePipeline pipeline has at most "
                f"{MAX_PIPELINE_STAGES} stages (Source, Build and one per environment)",
            ))
        build_id = self.accounts[BUILD_ACCOUNT].id if BUILD_ACCOUNT in self.accounts else None
        seen: set[str] = set()
        for index, env in enumerate(self.environments):
            if env.name in seen:
                problems.append((("environments", index, "name"), f"duplicate environment name {env.name!r}; expected each name once"))
            seen.add(env.name)
            if env.account not in self.accounts:
                known = ", ".join(sorted(self.accounts))
                problems.append(
                    (("environments", index, "account"), f"environment {env.name!r} names unknown account {env.account!r} (known: {known})")
                )
            elif env.account == BUILD_ACCOUNT:
                problems.append(
                    (("environments", index, "account"), f"environment {env.name!r} deploys into the build account; give it its own account")
                )
            elif self.accounts[env.account].id == build_id:
                problems.append((
                    ("environments", index, "account"),
                    f"environment {env.name!r} deploys into account {env.account!r}, whose id {build_id} is the build account's; "
                    "expected an AWS account of its own",
                ))
            problems += self._hook_problems(env, index)
            if env.personal_stacks is not None and env.approval == "manual":
                problems.append((("environments", index, "personal_stacks"),
                                 f"environment {env.name!r} is gated by a manual approval, so it is not a place for personal stacks; "
                                 "allow them in a dev environment"))
            if env.review.fail_on != "none" and env.approval != "manual":
                problems.append((("environments", index, "review"), f"environment {env.name!r}: review.fail_on needs approval: manual (the review runs in front of the approval)"))
        return problems + account_problems(self, build_id)

    def _hook_problems(self, env: "Environment", index: int) -> list[tuple[tuple, str]]:
        hooks = env.effective_hooks(self.service.hooks)
        where = ("environments", index, "hooks") if env.hooks else ("service", "hooks")
        if not hooks.enabled:
            return []
        names = {f.name: f for f in self.service.functions}
        problems = []
        for check in hooks.smoke_checks:
            target = names.get(check.function) if check.function else None
            if check.function and target is None:
                problems.append((where, f"smoke check {check.name!r} names unknown function {check.function!r} (known: {', '.join(names)})"))
            elif target is not None and check.kind == "http" and not target.api:
                problems.append((where, f"smoke check {check.name!r} sends HTTP to {target.name}, which is not on the API (api: false)"))
        for fn in self.service.functions:
            if not checks_for(hooks, fn.name, fn.api):
                problems.append(
                    (where, f"environment {env.name!r}: function {fn.name} has no smoke check, so its PreTraffic hook could prove nothing; "
                            "add one (path or payload) or set hooks.enabled: false")
                )
        return problems
