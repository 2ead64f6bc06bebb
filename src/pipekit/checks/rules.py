"""Cross-template checks: do the rendered files still agree with each other and with the
config? Pure functions over parsed templates (plain dicts), so a hand edit that breaks a
role name, an account id or an artifact path is caught before anything is deployed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, Iterator, Optional

from pipekit.project import layout, names
from pipekit.config.models import Config
from pipekit.project.names import BUILD_ACCOUNT_TEMPLATE, PIPELINE_TEMPLATE, TARGET_ACCOUNT_TEMPLATE

ROLE_ARN = re.compile(r"^arn:[a-z-]+:iam::(\d{12}):role/(.+)$")


@dataclass(frozen=True)
class Problem:
    file: str
    message: str


def check(cfg: Config, templates: dict[str, dict], buildspec: Optional[dict], parameter_files: dict[str, Any]) -> list[Problem]:
    """All consistency problems between the parsed templates, the buildspec, the
    environments' parameter files and the config."""
    problems: list[Problem] = []
    pipeline = templates.get(PIPELINE_TEMPLATE)
    target = templates.get(TARGET_ACCOUNT_TEMPLATE)
    build = templates.get(BUILD_ACCOUNT_TEMPLATE)
    service = templates.get(names.SERVICE_TEMPLATE)
    if pipeline is not None:
        problems += _pipeline_stages(cfg, pipeline)
        if target is not None:
            problems += _pipeline_roles_exist(cfg, pipeline, target)
        if service is not None:
            problems += _parameters_match_service(pipeline, service, parameter_files, buildspec)
    if target is not None:
        problems += _trust_names_pipeline_role(cfg, target)
    if build is not None:
        problems += _build_account_grants(cfg, build)
    if buildspec is not None and service is not None:
        problems += _buildspec_matches_service(cfg, buildspec, service)
    return problems


def _resource(template: dict, logical_id: str) -> dict:
    return (template.get("Resources") or {}).get(logical_id) or {}


def _pipeline_stages(cfg: Config, pipeline: dict) -> list[Problem]:
    stages = _resource(pipeline, "Pipeline").get("Properties", {}).get("Stages") or []
    by_name = {s.get("Name"): s for s in stages}
    problems = []
    for expected in layout.stages(cfg):
        stage = by_name.get(expected.name)
        if stage is None:
            problems.append(Problem(PIPELINE_TEMPLATE, f"environment {expected.env.name!r} has no pipeline stage {expected.name!r}"))
            continue
        actions = [a.get("Name") for a in sorted(stage.get("Actions") or [], key=lambda a: a.get("RunOrder", 1))]
        wanted = [a.name for a in expected.actions]
        if actions != wanted:
            problems.append(
                Problem(PIPELINE_TEMPLATE, f"stage {expected.name!r} runs {actions}, the config asks for {wanted}")
            )
        for action in stage.get("Actions") or []:
            role = action.get("RoleArn")
            if isinstance(role, str):
                match = ROLE_ARN.match(role)
                if match and match.group(1) != expected.target.id:
                    problems.append(
                        Problem(
                            PIPELINE_TEMPLATE,
                            f"stage {expected.name!r} action {action.get('Name')!r} assumes a role in account "
                            f"{match.group(1)}, but environment {expected.env.name!r} is account {expected.target.id}",
                        )
                    )
    return problems


def _role_names(template: dict) -> set[str]:
    return {
        r.get("Properties", {}).get("RoleName")
        for r in (template.get("Resources") or {}).values()
        if r.get("Type") == "AWS::IAM::Role"
    }


def _pipeline_roles_exist(cfg: Config, pipeline: dict, target: dict) -> list[Problem]:
    """Every role the pipeline assumes or passes must be one the target-account stack creates."""
    created = _role_names(target)
    problems = []
    for stage in _resource(pipeline, "Pipeline").get("Properties", {}).get("Stages") or []:
        for action in stage.get("Actions") or []:
            for role in (action.get("RoleArn"), (action.get("Configuration") or {}).get("RoleArn")):
                match = ROLE_ARN.match(role) if isinstance(role, str) else None
                if match and match.group(1) != cfg.build_account_id and match.group(2) not in created:
                    problems.append(
                        Problem(
                            PIPELINE_TEMPLATE,
                            f"stage {stage.get('Name')!r} uses role {match.group(2)!r}, which "
                            f"{TARGET_ACCOUNT_TEMPLATE} does not create",
                        )
                    )
    return problems


def _trust_names_pipeline_role(cfg: Config, target: dict) -> list[Problem]:
    expected = names.role_arn(cfg, cfg.build_account_id, names.pipeline_role(cfg))
    trust = _resource(target, "DeploymentRole").get("Properties", {}).get("AssumeRolePolicyDocument") or {}
    principals = [p for s in trust.get("Statement") or [] for p in _aws_principals(s)]
    if principals != [expected]:
        return [
            Problem(
                TARGET_ACCOUNT_TEMPLATE,
                f"the deployment role must trust only the pipeline role {expected}, it trusts {principals}",
            )
        ]
    return []


def _aws_principals(statement: dict) -> list[Any]:
    principal = (statement.get("Principal") or {}).get("AWS", [])
    return principal if isinstance(principal, list) else [principal]


def _build_account_grants(cfg: Config, build: dict) -> list[Problem]:
    """The key and bucket policies must name exactly the target accounts' two roles."""
    wanted = sorted(arn for t in layout.targets(cfg) for arn in (t.deploy_role_arn, t.exec_role_arn))
    problems = []
    for logical_id, path in (("ArtifactKey", ("KeyPolicy",)), ("ArtifactBucketPolicy", ("PolicyDocument",))):
        document: Any = _resource(build, logical_id).get("Properties", {})
        for key in path:
            document = document.get(key) or {}
        for statement in document.get("Statement") or []:
            condition = (statement.get("Condition") or {}).get("ArnEquals", {}).get("aws:PrincipalArn")
            if condition is None:
                continue
            granted = sorted(condition if isinstance(condition, list) else [condition])
            if granted != wanted:
                problems.append(
                    Problem(BUILD_ACCOUNT_TEMPLATE, f"{logical_id} grants {granted}, the config's target roles are {wanted}")
                )
    return problems


def _parameters_match_service(pipeline: dict, service: dict, parameter_files: dict[str, Any], buildspec: Optional[dict]) -> list[Problem]:
    """Each stage's parameter file is in the build artifact and fits the service template;
    the outputs the tests read exist."""
    parameters = service.get("Parameters") or {}
    outputs = service.get("Outputs") or {}
    shipped = ((buildspec or {}).get("artifacts") or {}).get("files") or []
    problems = []
    for stage in _resource(pipeline, "Pipeline").get("Properties", {}).get("Stages") or []:
        for action in stage.get("Actions") or []:
            config = action.get("Configuration") or {}
            configuration = config.get("TemplateConfiguration")
            if isinstance(configuration, str):
                path = configuration.split("::", 1)[-1]
                if buildspec is not None and path not in shipped:
                    problems.append(Problem("buildspec.yml", f"stage {stage.get('Name')!r} reads {path}, which the build does not hand over"))
                document = parameter_files.get(path)
                if not isinstance(document, dict):
                    problems.append(Problem(path, f"stage {stage.get('Name')!r} deploys with {path}, which is missing or not JSON (run `pipekit render`)"))
                    continue
                for key, value in (document.get("Parameters") or {}).items():
                    allowed = (parameters.get(key) or {}).get("AllowedValues")
                    if key not in parameters:
                        problems.append(Problem(path, f"sets unknown parameter {key!r} of the service template"))
                    elif allowed and value not in allowed:
                        problems.append(Problem(path, f"sets {key}={value!r}, not one of {allowed}"))
            variables = config.get("EnvironmentVariables")
            if isinstance(variables, str):
                # Only the deploy namespaces carry the service stack's outputs.
                for name in re.findall(r"#\{\w+Deploy\.(\w+)\}", variables):
                    if name not in outputs:
                        problems.append(
                            Problem(PIPELINE_TEMPLATE, f"stage {stage.get('Name')!r} reads output {name!r}, which the service template does not define")
                        )
    return problems


def _commands(buildspec: dict) -> Iterator[str]:
    for phase in (buildspec.get("phases") or {}).values():
        for command in (phase or {}).get("commands") or []:
            yield str(command)


def _buildspec_matches_service(cfg: Config, buildspec: dict, service: dict) -> list[Problem]:
    """The build must publish every .NET function where the service template's CodeUri
    points, package that template, and hand over the file the pipeline deploys."""
    commands = " ".join(" ".join(_commands(buildspec)).split())
    problems = []
    template_dir = PurePosixPath(names.SERVICE_TEMPLATE).parent
    for logical_id, resource in (service.get("Resources") or {}).items():
        code_uri = resource.get("Properties", {}).get("CodeUri")
        if resource.get("Type") != "AWS::Serverless::Function" or not isinstance(code_uri, str):
            continue
        published = _normalise(template_dir / code_uri)
        if published == names.HOOKS_DIR:
            continue  # Python source rendered by pipekit, packaged as it is
        if f"--output {published}" not in commands:
            problems.append(Problem("buildspec.yml", f"{logical_id}'s CodeUri {code_uri} is not where the build publishes it"))
    if f"--template-file {names.SERVICE_TEMPLATE}" not in commands:
        problems.append(Problem("buildspec.yml", f"the build does not package {names.SERVICE_TEMPLATE}"))
    files = (buildspec.get("artifacts") or {}).get("files") or []
    if names.PACKAGED_TEMPLATE not in files:
        problems.append(Problem("buildspec.yml", f"the build does not hand over {names.PACKAGED_TEMPLATE}, which every stage deploys"))
    for project in cfg.build.unit_tests:
        if f"dotnet test {project}" not in commands:
            problems.append(Problem("buildspec.yml", f"unit-test project {project} is not run"))
    return problems


def _normalise(path: PurePosixPath) -> str:
    parts: list[str] = []
    for part in path.parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)
