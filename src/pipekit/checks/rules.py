"""Cross-template rules: do the rendered files still agree with each other and with the
config? Each rule has an id, a one-line title and a section in docs/validate.md (cfn-lint's
rule classes are the model), so it can be documented, tested failing on its own and
suppressed with a reason. Rules are pure functions over parsed templates (plain dicts)."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional

from pipekit.project import layout, names
from pipekit.project.names import BUILD_ACCOUNT_TEMPLATE, PIPELINE_TEMPLATE, SERVICE_TEMPLATE, TARGET_ACCOUNT_TEMPLATE

ROLE_ARN = re.compile(r"^arn:[a-z-]+:iam::(\d{12}):role/(.+)$")
BUILDSPEC = "buildspec.yml"
DOCS = "docs/validate.md"


@dataclass(frozen=True)
class Problem:
    rule: str
    file: str
    message: str


@dataclass(frozen=True)
class Project:
    """What the rules look at: the config and the rendered files, parsed."""

    cfg: Config
    templates: dict[str, dict]
    buildspec: Optional[dict]
    parameter_files: dict[str, Any]

    def template(self, path: str) -> Optional[dict]:
        return self.templates.get(path)

    def resource(self, path: str, logical_id: str) -> dict:
        return ((self.templates.get(path) or {}).get("Resources") or {}).get(logical_id) or {}

    def pipeline_stages(self) -> list[dict]:
        return self.resource(PIPELINE_TEMPLATE, "Pipeline").get("Properties", {}).get("Stages") or []


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    needs: tuple[str, ...]  # the files it reads; it is skipped when one is missing
    check: Callable[[Project], Iterator[tuple[str, str]]]  # yields (file, message)

    @property
    def doc(self) -> str:
        return f"{DOCS}#{self.id.lower()}"

    def run(self, project: Project) -> list[Problem]:
        if any(project.template(n) is None for n in self.needs if n != BUILDSPEC) or (BUILDSPEC in self.needs and project.buildspec is None):
            return []
        return [Problem(self.id, file, message) for file, message in self.check(project)]


RULES: list[Rule] = []


def rule(id: str, title: str, *needs: str) -> Callable:
    def register(check: Callable[[Project], Iterator[tuple[str, str]]]) -> Callable:
        RULES.append(Rule(id, title, needs, check))
        return check

    return register


def check(project: Project, suppressed: frozenset[str] = frozenset()) -> list[Problem]:
    """Every problem the rules find, in rule order, except suppressed rules'."""
    return [problem for r in RULES if r.id not in suppressed for problem in r.run(project)]


# ---------------------------------------------------------------- the pipeline


def _stages_by_name(project: Project) -> dict[str, dict]:
    return {s.get("Name"): s for s in project.pipeline_stages()}


@rule("PK101", "every environment has its pipeline stage", PIPELINE_TEMPLATE)
def _stage_per_environment(project: Project) -> Iterator[tuple[str, str]]:
    stages = _stages_by_name(project)
    for expected in layout.stages(project.cfg):
        if expected.name not in stages:
            yield PIPELINE_TEMPLATE, f"environment {expected.env.name!r} has no pipeline stage {expected.name!r}"


@rule("PK102", "each stage runs the actions the config asks for, in order", PIPELINE_TEMPLATE)
def _stage_actions(project: Project) -> Iterator[tuple[str, str]]:
    stages = _stages_by_name(project)
    for expected in layout.stages(project.cfg):
        stage = stages.get(expected.name)
        if stage is None:
            continue
        actions = [a.get("Name") for a in sorted(stage.get("Actions") or [], key=lambda a: a.get("RunOrder", 1))]
        wanted = [a.name for a in expected.actions]
        if actions != wanted:
            yield PIPELINE_TEMPLATE, f"stage {expected.name!r} runs {actions}, the config asks for {wanted}"


@rule("PK103", "a stage assumes roles only in its environment's account", PIPELINE_TEMPLATE)
def _stage_account(project: Project) -> Iterator[tuple[str, str]]:
    stages = _stages_by_name(project)
    for expected in layout.stages(project.cfg):
        for action in (stages.get(expected.name) or {}).get("Actions") or []:
            role = action.get("RoleArn")
            match = ROLE_ARN.match(role) if isinstance(role, str) else None
            if match and match.group(1) != expected.target.id:
                yield PIPELINE_TEMPLATE, (
                    f"stage {expected.name!r} action {action.get('Name')!r} assumes a role in account "
                    f"{match.group(1)}, but environment {expected.env.name!r} is account {expected.target.id}"
                )


def _role_names(template: dict) -> set[str]:
    return {
        r.get("Properties", {}).get("RoleName")
        for r in (template.get("Resources") or {}).values()
        if r.get("Type") == "AWS::IAM::Role"
    }


@rule("PK104", "every role the pipeline assumes or passes exists in the target-account stack", PIPELINE_TEMPLATE, TARGET_ACCOUNT_TEMPLATE)
def _pipeline_roles_exist(project: Project) -> Iterator[tuple[str, str]]:
    created = _role_names(project.templates[TARGET_ACCOUNT_TEMPLATE])
    for stage in project.pipeline_stages():
        for action in stage.get("Actions") or []:
            for role in (action.get("RoleArn"), (action.get("Configuration") or {}).get("RoleArn")):
                match = ROLE_ARN.match(role) if isinstance(role, str) else None
                if match and match.group(1) != project.cfg.build_account_id and match.group(2) not in created:
                    yield PIPELINE_TEMPLATE, (
                        f"stage {stage.get('Name')!r} uses role {match.group(2)!r}, which {TARGET_ACCOUNT_TEMPLATE} does not create"
                    )


# ---------------------------------------------------------------- trust and grants


def _aws_principals(statement: dict) -> list[Any]:
    principal = (statement.get("Principal") or {}).get("AWS", [])
    return principal if isinstance(principal, list) else [principal]


def _trusted(project: Project, logical_id: str) -> Optional[list[tuple[Any, Any]]]:
    """(principal, the aws:PrincipalArn it is narrowed to) of each trusted AWS principal."""
    resource = project.resource(TARGET_ACCOUNT_TEMPLATE, logical_id)
    if not resource:
        return None
    trust = resource.get("Properties", {}).get("AssumeRolePolicyDocument") or {}
    return [
        (p, ((s.get("Condition") or {}).get("ArnEquals") or {}).get("aws:PrincipalArn"))
        for s in trust.get("Statement") or [] for p in _aws_principals(s)
    ]


def _trusts_only(project: Project, logical_id: str, what: str, trusted_role: str) -> Iterator[tuple[str, str]]:
    """The build account as principal, narrowed to exactly one role of it (the role
    itself cannot be named: it may not exist yet when the target stack is created)."""
    cfg = project.cfg
    expected = names.role_arn(cfg, cfg.build_account_id, trusted_role)
    principals = _trusted(project, logical_id)
    if principals != [(names.account_root_arn(cfg, cfg.build_account_id), expected)]:
        yield TARGET_ACCOUNT_TEMPLATE, f"the {what} must trust only {expected} (the build account narrowed by aws:PrincipalArn), it trusts {principals}"


@rule("PK105", "the deployment role trusts only the pipeline role", TARGET_ACCOUNT_TEMPLATE)
def _deploy_role_trust(project: Project) -> Iterator[tuple[str, str]]:
    yield from _trusts_only(project, "DeploymentRole", "deployment role", names.pipeline_role(project.cfg))


@rule("PK106", "the review role trusts only the build account's review function", TARGET_ACCOUNT_TEMPLATE)
def _review_role_trust(project: Project) -> Iterator[tuple[str, str]]:
    if any(s.approval_action for s in layout.stages(project.cfg)):
        yield from _trusts_only(project, "ReviewRole", "review role", names.review_role(project.cfg))


@rule("PK107", "the artifact key and bucket grant exactly the target accounts' deployment and execution roles", BUILD_ACCOUNT_TEMPLATE)
def _artifact_grants(project: Project) -> Iterator[tuple[str, str]]:
    wanted = sorted(arn for t in layout.targets(project.cfg) for arn in (t.deploy_role_arn, t.exec_role_arn))
    for logical_id, key in (("ArtifactKey", "KeyPolicy"), ("ArtifactBucketPolicy", "PolicyDocument")):
        document = project.resource(BUILD_ACCOUNT_TEMPLATE, logical_id).get("Properties", {}).get(key) or {}
        for statement in document.get("Statement") or []:
            condition = (statement.get("Condition") or {}).get("ArnEquals", {}).get("aws:PrincipalArn")
            if condition is None:
                continue
            granted = sorted(condition if isinstance(condition, list) else [condition])
            if granted != wanted:
                yield BUILD_ACCOUNT_TEMPLATE, f"{logical_id} grants {granted}, the config's target roles are {wanted}"


# ---------------------------------------------------------------- stage parameters


def _template_configurations(project: Project) -> Iterator[tuple[str, str]]:
    """(stage name, parameter file path) of each create-change-set action."""
    for stage in project.pipeline_stages():
        for action in stage.get("Actions") or []:
            configuration = (action.get("Configuration") or {}).get("TemplateConfiguration")
            if isinstance(configuration, str):
                yield stage.get("Name"), configuration.split("::", 1)[-1]


def _shipped(project: Project) -> list[str]:
    return ((project.buildspec or {}).get("artifacts") or {}).get("files") or []


@rule("PK108", "the build hands over every stage's parameter file", PIPELINE_TEMPLATE, BUILDSPEC)
def _parameter_file_shipped(project: Project) -> Iterator[tuple[str, str]]:
    for stage, path in _template_configurations(project):
        if path not in _shipped(project):
            yield BUILDSPEC, f"stage {stage!r} reads {path}, which the build does not hand over"


@rule("PK109", "every stage's parameter file exists and is JSON", PIPELINE_TEMPLATE)
def _parameter_file_present(project: Project) -> Iterator[tuple[str, str]]:
    for stage, path in _template_configurations(project):
        if not isinstance(project.parameter_files.get(path), dict):
            yield path, f"stage {stage!r} deploys with {path}, which is missing or not JSON (run `pipekit render`)"


def _parameters(project: Project) -> Iterator[tuple[str, str, Any, dict]]:
    """(file, key, value, the service template's declaration or {}) of each stage parameter."""
    declared = project.templates[SERVICE_TEMPLATE].get("Parameters") or {}
    for _, path in _template_configurations(project):
        document = project.parameter_files.get(path)
        if isinstance(document, dict):
            for key, value in (document.get("Parameters") or {}).items():
                yield path, key, value, declared.get(key)


@rule("PK110", "stage parameters are parameters of the service template", PIPELINE_TEMPLATE, SERVICE_TEMPLATE)
def _parameter_known(project: Project) -> Iterator[tuple[str, str]]:
    for path, key, _, declaration in _parameters(project):
        if declaration is None:
            yield path, f"sets unknown parameter {key!r} of the service template"


@rule("PK111", "stage parameter values are among the service template's AllowedValues", PIPELINE_TEMPLATE, SERVICE_TEMPLATE)
def _parameter_allowed(project: Project) -> Iterator[tuple[str, str]]:
    for path, key, value, declaration in _parameters(project):
        allowed = (declaration or {}).get("AllowedValues")
        if allowed and value not in allowed:
            yield path, f"sets {key}={value!r}, not one of {allowed}"


@rule("PK112", "the service outputs that later actions read exist", PIPELINE_TEMPLATE, SERVICE_TEMPLATE)
def _outputs_read_exist(project: Project) -> Iterator[tuple[str, str]]:
    outputs = project.templates[SERVICE_TEMPLATE].get("Outputs") or {}
    # Only the execute actions' namespaces carry the service stack's outputs.
    namespaces = "|".join(re.escape(layout.deploy_namespace(env)) for env in project.cfg.environments)
    reads = re.compile(rf"#\{{(?:{namespaces})\.(\w+)\}}")
    for stage in project.pipeline_stages():
        for action in stage.get("Actions") or []:
            variables = (action.get("Configuration") or {}).get("EnvironmentVariables")
            for output in reads.findall(variables) if isinstance(variables, str) else []:
                if output not in outputs:
                    yield PIPELINE_TEMPLATE, f"stage {stage.get('Name')!r} reads output {output!r}, which the service template does not define"


# ---------------------------------------------------------------- the build


def _commands(buildspec: dict) -> str:
    commands = [str(c) for phase in (buildspec.get("phases") or {}).values() for c in (phase or {}).get("commands") or []]
    return " ".join(" ".join(commands).split())


def _normalise(path: PurePosixPath) -> str:
    parts: list[str] = []
    for part in path.parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


@rule("PK113", "the build publishes every .NET function where its CodeUri points", SERVICE_TEMPLATE, BUILDSPEC)
def _functions_published(project: Project) -> Iterator[tuple[str, str]]:
    commands = _commands(project.buildspec or {})
    template_dir = PurePosixPath(SERVICE_TEMPLATE).parent
    for logical_id, resource in (project.templates[SERVICE_TEMPLATE].get("Resources") or {}).items():
        code_uri = resource.get("Properties", {}).get("CodeUri")
        if resource.get("Type") != "AWS::Serverless::Function" or not isinstance(code_uri, str):
            continue
        published = _normalise(template_dir / code_uri)
        if published == names.HOOKS_DIR:
            continue  # Python source rendered by pipekit, packaged as it is
        if f"--output {shlex.quote(published)}" not in commands:
            yield BUILDSPEC, f"{logical_id}'s CodeUri {code_uri} is not where the build publishes it"


@rule("PK114", "the build packages the service template", BUILDSPEC)
def _template_packaged(project: Project) -> Iterator[tuple[str, str]]:
    if f"--template-file {SERVICE_TEMPLATE}" not in _commands(project.buildspec or {}):
        yield BUILDSPEC, f"the build does not package {SERVICE_TEMPLATE}"


@rule("PK115", "the build hands over the packaged template every stage deploys", BUILDSPEC)
def _packaged_handed_over(project: Project) -> Iterator[tuple[str, str]]:
    if names.PACKAGED_TEMPLATE not in _shipped(project):
        yield BUILDSPEC, f"the build does not hand over {names.PACKAGED_TEMPLATE}, which every stage deploys"


@rule("PK116", "the build runs every unit-test project", BUILDSPEC)
def _unit_tests_run(project: Project) -> Iterator[tuple[str, str]]:
    commands = _commands(project.buildspec or {})
    for test_project in project.cfg.build.unit_tests:
        if f"dotnet test {shlex.quote(test_project)}" not in commands:
            yield BUILDSPEC, f"unit-test project {test_project} is not run"


# The gates' rules (PK117-PK119) register themselves with @rule on import.
from pipekit.checks import gate_rules  # noqa: E402,F401

if TYPE_CHECKING:
    from pipekit.config.models import Config
