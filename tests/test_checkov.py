"""checkov, from its own virtualenv, finds no failed check in the rendered templates of
any config. Skips are allowed only inline in a template's Metadata, with a reason, and
never for IAM wildcard/privilege-escalation, encryption or versioning checks."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, VARIANTS, config_from
from pipekit.project.files import apply_writes, plan_writes
from pipekit.project.render import render_all

NEVER_SKIPPED = {"CKV_AWS_107", "CKV_AWS_108", "CKV_AWS_109", "CKV_AWS_110", "CKV_AWS_111", "CKV_AWS_26", "CKV_AWS_158", "CKV_AWS_7", "CKV_AWS_21"}


def checkov_binary() -> Path:
    """PIPEKIT_CHECKOV, else the repository's .venv-checkov, installed on first use."""
    if os.environ.get("PIPEKIT_CHECKOV"):
        return Path(os.environ["PIPEKIT_CHECKOV"])
    venv = REPO / ".venv-checkov"
    subprocess.run([str(REPO / "scripts" / "install-checkov.sh"), str(venv)], check=True, capture_output=True)
    return venv / "bin" / "checkov"


@pytest.fixture(scope="module")
def checkov_report(tmp_path_factory):
    root = tmp_path_factory.mktemp("checkov")
    for name, make in VARIANTS.items():
        rendered = render_all(config_from(make()))
        apply_writes(root / name, rendered, plan_writes(root / name, rendered))
    completed = subprocess.run(
        # From inside the folder, as a user runs it on a project: checkov 3.3's secret check
        # CKV_AWS_45 reported the hooks' environment as secrets under some absolute paths
        # (e.g. pytest's basetemp) and not others, for byte-identical templates.
        [str(checkov_binary()), "-d", ".", "--framework", "cloudformation", "-o", "json", "--skip-download", "--compact"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if not completed.stdout.strip():
        pytest.fail(f"checkov printed no report: {completed.stderr[-2000:]}")
    report = json.loads(completed.stdout)
    return report if isinstance(report, dict) else report[0]


def test_checkov_looked_at_every_rendered_template(checkov_report):
    files = {c["file_path"] for c in checkov_report["results"]["passed_checks"]}
    for name in VARIANTS:
        for path in ("infra/build-account.yaml", "infra/target-account.yaml", "infra/pipeline.yaml", "service/template.yaml"):
            assert f"/{name}/{path}" in files
    assert checkov_report["summary"]["parsing_errors"] == 0


def test_checkov_finds_no_failed_check(checkov_report):
    failed = [f"{c['check_id']} {c['resource']} {c['file_path']}" for c in checkov_report["results"]["failed_checks"]]
    assert failed == []


def test_every_skip_is_inline_with_a_reason_and_allowed(checkov_report):
    for check in checkov_report["results"]["skipped_checks"]:
        assert check["check_id"] not in NEVER_SKIPPED, check["check_id"]
        assert len(check["check_result"].get("suppress_comment", "")) > 20, check["check_id"]
