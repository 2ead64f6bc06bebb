"""The review function's code package: deterministic, complete, and nothing more; and
`pipekit deploy --account build` plans its upload (a dry run calls no AWS)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile

from click.testing import CliRunner

from conftest import example_data, write_config
from pipekit.cli import main
from pipekit.review_function import package

# Run in a fresh interpreter with no site-packages (-I -S): only the stdlib and the
# unzipped package are importable, and the heavy dependencies are refused outright.
PROBE = r"""
import importlib.abc, json, sys
class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in {"pydantic", "click", "rich", "jinja2", "boto3", "botocore"}:
            raise ImportError("refused: " + name)
sys.meta_path.insert(0, Refuse())
sys.path.insert(0, sys.argv[1])
import pipekit.review_function.handler as h
from pipekit.project import cfn_yaml
template = cfn_yaml.loads("Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n    DeletionPolicy: Retain\n    Properties:\n      TableName: !Ref N\n")
loaded = sorted(m.__file__[len(sys.argv[1]) + 1:] for n, m in list(sys.modules.items())
                if n.split(".")[0] in ("pipekit", "yaml") and getattr(m, "__file__", None))
print(json.dumps({"loaded": loaded, "template": template, "handler": callable(h.handler)}))
"""


def test_two_builds_give_the_same_bytes_and_key():
    first, second = package.build(), package.build()
    assert first.body == second.body and first.sha256 == second.sha256
    assert first.key == f"review-function/{first.sha256}.zip"
    with zipfile.ZipFile(io.BytesIO(first.body)) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == sorted(i.filename for i in infos)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}


def test_a_changed_module_changes_the_key():
    files = package.sources()
    changed = dict(files, **{"pipekit/release/review.py": files["pipekit/release/review.py"] + b"\n# changed\n"})
    assert package.build(changed).key != package.build(files).key


def test_the_package_holds_exactly_what_the_handler_imports(tmp_path):
    code = package.build()
    with zipfile.ZipFile(io.BytesIO(code.body)) as archive:
        names = archive.namelist()
        archive.extractall(tmp_path)
    assert not any(n.endswith((".so", ".pyd", ".pyc")) for n in names)
    assert not any(n.startswith(("pipekit/config/", "pipekit/cli/")) for n in names)
    # Of the checks, only IAM pattern matching (the review's policy diff): not the preflight.
    assert sorted(n for n in names if n.startswith("pipekit/checks/")) == [
        "pipekit/checks/__init__.py", "pipekit/checks/permissions/__init__.py",
        "pipekit/checks/permissions/glob.py", "pipekit/checks/permissions/unknown.py",
    ]
    probe = subprocess.run([sys.executable, "-I", "-S", "-c", PROBE, str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert probe.returncode == 0, probe.stderr
    result = json.loads(probe.stdout)
    assert result["handler"] is True
    assert result["template"]["Resources"]["T"]["Properties"]["TableName"] == {"Ref": "N"}
    # Every pipekit module in the zip was needed, and everything needed came from the zip.
    pipekit_in_zip = sorted(n for n in names if n.startswith("pipekit/"))
    assert sorted(f for f in result["loaded"] if f.startswith("pipekit/")) == pipekit_in_zip
    assert "package.py" not in " ".join(pipekit_in_zip)  # the builder stays on the deploying machine


def test_deploy_build_dry_run_shows_the_upload_and_its_parameters(tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    root = tmp_path / "orders"
    write_config(root, example_data())
    runner = CliRunner()
    assert runner.invoke(main, ["--config", str(root / "pipekit.yaml"), "render"]).exit_code == 0
    key = package.build().key
    result = runner.invoke(main, ["--config", str(root / "pipekit.yaml"), "deploy", "--account", "build", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert f"upload the review function's code" in result.output
    assert f"to s3://orders-artifacts-111111111111-eu-west-1/{key}" in result.output
    assert f"parameter ReviewFunctionKey = {key}" in result.output
    result = runner.invoke(main, ["--config", str(root / "pipekit.yaml"), "deploy", "--account", "build", "--dry-run", "--format", "json"])
    plan = json.loads(result.output.splitlines()[0])
    pipeline = next(s for s in plan["stacks"] if s["stack"] == "orders-pipeline")
    assert pipeline["parameters"] == {"ReviewFunctionBucket": "orders-artifacts-111111111111-eu-west-1", "ReviewFunctionKey": key}
    assert key in pipeline["reason"]


def test_deploy_build_uploads_the_code_before_the_pipeline_and_once(tmp_path, moto_aws):
    """Against moto in server mode: the zip lands under its SHA-256 key; a second deploy
    finds it there and uploads nothing."""
    root = tmp_path / "orders"
    write_config(root, example_data())
    runner = CliRunner()
    assert runner.invoke(main, ["--config", str(root / "pipekit.yaml"), "render"]).exit_code == 0
    code = package.build()
    for account in ("build", "dev", "prod", "build"):  # the pipeline stack, with its upload, comes last
        result = runner.invoke(main, ["--config", str(root / "pipekit.yaml"), "deploy", "--account", account, "--yes"])
        assert result.exit_code == 0, result.output
    s3 = moto_aws.client("build", "s3")
    stored = s3.get_object(Bucket="orders-artifacts-111111111111-eu-west-1", Key=code.key)
    assert stored["Body"].read() == code.body
    assert runner.invoke(main, ["--config", str(root / "pipekit.yaml"), "deploy", "--account", "build", "--yes"]).exit_code == 0
    versions = s3.list_object_versions(Bucket="orders-artifacts-111111111111-eu-west-1", Prefix=code.key).get("Versions", [])
    assert len(versions) == 1
