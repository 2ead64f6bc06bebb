"""Templates -> file contents. Pure: returns {relative path: text}; writing is files.py's job."""

from __future__ import annotations

import json
import shlex
from importlib import resources
from typing import TYPE_CHECKING, Any

import jinja2
import yaml

from pipekit import __version__
from pipekit.project import build_commands, cfn_yaml, conditions, drift_reads, layout, names, pipeline
from pipekit.config.constants import DEPLOYMENT_TYPES
from pipekit.config.schema import SCHEMA_PATH, schema_text
from pipekit.review_function import package as review_package

if TYPE_CHECKING:
    from pipekit.config.models import Config

HEADER = (
    "# Rendered by pipekit from pipekit.yaml. Change pipekit.yaml and run `pipekit render`;\n"
    "# once you edit this file by hand, pipekit leaves it alone (unless --force)."
)

# The current Python Lambda runtime, for the traffic hooks.
HOOK_RUNTIME = "python3.14"

# dotnet/install-scripts at one commit, and the SHA-256 of its dotnet-install.sh there:
# the build runs exactly this script or stops (sha256sum -c).
DOTNET_INSTALL = {
    "url": "https://raw.githubusercontent.com/dotnet/install-scripts/47940ac9fc30a2f2dd19167165d0bb0774625f67/src/dotnet-install.sh",
    "sha256": "082f7685e156738a1b2e2ed8381a621870d4ce8e8c59278034556f05c186eb2e",
}

# The buildspecs' test report names; CodeBuild files each under "<project>-<report>".
UNIT_TEST_REPORT = "unit-tests"
INTEGRATION_TEST_REPORT = "integration-tests"

# Stack outputs other stacks import: template key -> output name (exported per project).
EXPORTS = {
    "artifact_bucket": "ArtifactBucketName",
    "artifact_bucket_arn": "ArtifactBucketArn",
    "artifact_key": "ArtifactKeyArn",
    "service_key": "ServiceKeyArn",
}

# output path -> template
OUTPUTS = {
    names.BUILD_ACCOUNT_TEMPLATE: "accounts/build-account.yaml.j2",
    names.TARGET_ACCOUNT_TEMPLATE: "accounts/target-account.yaml.j2",
    names.PIPELINE_TEMPLATE: "pipeline/pipeline.yaml.j2",
    names.SERVICE_TEMPLATE: "service/template.yaml.j2",
    "buildspec.yml": "buildspecs/buildspec.yml.j2",
    "testspec.yml": "buildspecs/testspec.yml.j2",
}


class _BlockDumper(yaml.SafeDumper):
    """Block style with list items indented under their key, as the templates write them."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)


def to_yaml(value: Any, indent: int = 0) -> str:
    """Data as YAML, every line indented by `indent` spaces. PyYAML quotes each scalar as
    YAML needs, so a value such as "0123" or "on" stays the string it was."""
    text = yaml.dump(value, Dumper=_BlockDumper, sort_keys=False, default_flow_style=False, width=10_000, allow_unicode=True)
    return "\n".join(" " * indent + line for line in text.rstrip("\n").split("\n"))


def template_environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("pipekit", "templates"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # YAML, not HTML
    )
    # A JSON string is a valid double-quoted YAML scalar, whatever quotes it holds.
    env.filters["yaml_string"] = json.dumps
    env.filters["to_yaml"] = to_yaml
    # A value pasted into a shell command stays one word, whatever it holds.
    env.filters["shell"] = shlex.quote
    return env


def context(cfg: Config) -> dict:
    """Everything the templates may use, computed once so that they agree."""
    stages = layout.stages(cfg)
    build_project = names.build_project(cfg)
    test_project = names.integration_test_project(cfg)
    return {
        "header": HEADER,
        "cfg": cfg,
        "svc": cfg.service,
        "partition": names.partition(cfg.region),
        "targets": layout.targets(cfg),
        "stages": stages,
        "approval_envs": [s.env.name for s in stages if s.approval_action],
        "has_integration_tests": any(e.integration_tests for e in cfg.environments),
        "alarm_gates": any(e.gates.entry_alarms or e.gates.bake for e in cfg.environments),
        "hooks_anywhere": any(e.effective_hooks(cfg.service.hooks).enabled for e in cfg.environments),
        "hook_runtime": HOOK_RUNTIME,
        "dotnet_install": DOTNET_INSTALL,
        "hook_prefix": names.HOOK_FUNCTION_PREFIX,
        "codebuild_log_group": names.codebuild_log_group,
        "function_log_group": names.function_log_group,
        "hook_log_group": names.hook_log_group,
        "function_errors_alarm": names.function_errors_alarm,
        "api_5xx_alarm": names.api_5xx_alarm,
        "environment_files": [s.template_configuration for s in stages],
        "deployment_types": DEPLOYMENT_TYPES,
        "table_id": "Table",
        "service_template": names.SERVICE_TEMPLATE,
        # The review function's code: built and uploaded by `pipekit deploy --account build`.
        "review_handler": review_package.HANDLER,
        "review_code_prefix": review_package.KEY_PREFIX,
        "version": __version__,
        "packaged_template": names.PACKAGED_TEMPLATE,
        # The build's dotnet commands, from the module `pipekit dev deploy` runs them from.
        "dotnet_commands": {
            phase: [build_commands.shell_line(c) for c in commands(cfg)]
            for phase, commands in (("restore", build_commands.restore_commands), ("build", build_commands.build_commands),
                                    ("test", build_commands.test_commands), ("publish", build_commands.publish_commands))
        },
        "test_results_dir": build_commands.TEST_RESULTS_DIR,
        "codebuild_environment_type": "ARM_CONTAINER" if "aarch64" in cfg.build.image else "LINUX_CONTAINER",
        "names": {
            "artifacts_stack": names.artifacts_stack(cfg),
            "artifact_bucket": names.artifact_bucket(cfg),
            "access_log_bucket": names.access_log_bucket(cfg),
            "artifact_key_alias": names.artifact_key_alias(cfg),
            "service_key_alias": names.service_key_alias(cfg),
            "service_prefix": names.service_stack_prefix(cfg),
            "deploy_role": names.deploy_role(cfg),
            "exec_role": names.exec_role(cfg),
            "boundary_policy": names.boundary_policy(cfg),
            "pipeline_role": names.pipeline_role(cfg),
            "pipeline_role_arn": names.role_arn(cfg, cfg.build_account_id, names.pipeline_role(cfg)),
            "build_account_root_arn": names.account_root_arn(cfg, cfg.build_account_id),
            "pipeline_name": names.pipeline_name(cfg),
            "review_role": names.review_role(cfg),
            "review_role_arn": names.role_arn(cfg, cfg.build_account_id, names.review_role(cfg)),
            "build_project": build_project,
            "unit_test_reports": names.report_group(build_project, UNIT_TEST_REPORT),
            "integration_test_project": test_project,
            "integration_test_reports": names.report_group(test_project, INTEGRATION_TEST_REPORT),
            "review_log_group": names.review_log_group(cfg),
            "review_function": names.review_function(cfg),
            "codebuild_log_groups": names.codebuild_log_group(f"{cfg.project}-*"),
            "notification_topic": names.notification_topic(cfg),
            "approvers_policy": names.approvers_policy(cfg),
            "chat": names.chat(cfg),
            "responders_policy": names.responders_policy(cfg),
        },
        "reports": {"unit_tests": UNIT_TEST_REPORT, "integration_tests": INTEGRATION_TEST_REPORT},
        "exports": {key: names.export(cfg, output) for key, output in EXPORTS.items()},
    }


def render_all(cfg: Config) -> dict[str, str]:
    """Every file pipekit renders for this config, by path relative to the project."""
    env = template_environment()
    ctx = context(cfg)
    outputs = dict(OUTPUTS)
    if not ctx["has_integration_tests"]:
        del outputs["testspec.yml"]
    # The pipeline deploys the service with the capabilities its template demands.
    service = env.get_template(outputs[names.SERVICE_TEMPLATE]).render(ctx)
    parsed = cfn_yaml.loads(service)
    ctx["pipeline_stages"] = pipeline.stages_property(cfg, ctx["stages"], cfn_yaml.capabilities(parsed), cfn_yaml.alarm_names(parsed))
    ctx["pipeline_triggers"] = conditions.triggers(cfg)
    # The review role detects drift with its own read permissions (drift_reads.py).
    if ctx["approval_envs"]:
        reads = drift_reads.drift_reads(service, cfg.region)
        ctx["drift"] = {"detect": list(drift_reads.DETECT_CALLS), "status": list(drift_reads.STATUS_CALLS), "reads": reads}
    files = {
        path: service if path == names.SERVICE_TEMPLATE else env.get_template(template).render(ctx)
        for path, template in outputs.items()
    }
    for stage in ctx["stages"]:
        files[stage.template_configuration] = layout.environment_parameters_file(stage)
    if ctx["hooks_anywhere"]:
        hooks = resources.files("pipekit") / "templates" / "service" / "hooks"
        for name in names.HOOK_FILES:
            files[f"{names.HOOKS_DIR}/{name}"] = (hooks / name).read_text(encoding="utf-8")
    # pipekit.yaml's JSON Schema, where its yaml-language-server line points editors.
    files[SCHEMA_PATH] = schema_text()
    return files
