"""A template over CloudFormation's 51,200-byte inline limit (the pipeline of a
16-environment config) is uploaded to the artifact bucket under its SHA-256 and deployed
by URL (moto in server mode, which reads TemplateURL from its S3)."""

from __future__ import annotations

import hashlib

import pytest
from click.testing import CliRunner

from conftest import example_data, render_project, write_config
from pipekit.cli import main
from test_deploy import BUILD, deploy, stacks


def sixteen_environments() -> dict:
    data = example_data()
    tests = data["environments"][0]["integration_tests"]
    data["environments"] = []
    for n in range(16):  # all in the dev account, so that one target stack lets the pipeline be created
        data["environments"].append({"name": f"env{n}", "account": "dev", "deployment": "AllAtOnce",
                                     "integration_tests": tests, "approval": "manual"})
    data["accounts"].pop("prod")
    return data


@pytest.fixture
def large(tmp_path, moto_aws):
    root = render_project(tmp_path / "orders", sixteen_environments())
    assert (root / "infra" / "pipeline.yaml").stat().st_size > 51_200
    return root


def test_a_large_pipeline_template_is_uploaded_and_deployed_by_url(large, moto_aws):
    body = (large / "infra" / "pipeline.yaml").read_bytes()
    key = f"templates/orders-pipeline/{hashlib.sha256(body).hexdigest()}.yaml"
    for account in ("build", "dev", "build"):  # the pipeline stack comes once the target account's roles are there
        result = deploy(large, "--account", account, "--yes")
        assert result.exit_code == 0, result.output
    assert stacks(moto_aws, BUILD) == ["orders-artifacts", "orders-pipeline"]
    s3 = moto_aws.client(BUILD, "s3")
    assert s3.get_object(Bucket=f"orders-artifacts-{BUILD}-eu-west-1", Key=key)["Body"].read() == body


def test_the_plan_shows_the_upload(large, moto_aws):
    result = deploy(large, "--account", "build", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "then: upload the template (51200-byte inline limit)," in result.output
    assert f"to s3://orders-artifacts-{BUILD}-eu-west-1/templates/orders-pipeline/" in result.output


def test_a_small_template_still_goes_inline(tmp_path, moto_aws):
    root = tmp_path / "orders"
    write_config(root, example_data())
    assert CliRunner().invoke(main, ["--config", str(root / "pipekit.yaml"), "render"]).exit_code == 0
    result = deploy(root, "--account", "build", "--dry-run")
    assert "upload the template" not in result.output
