"""What deploy refuses or holds back before it changes anything (moto in server mode):
stale renders, a --template aimed at a stack pipekit manages, --env as the account of an
environment, and the --fail-on gate that leaves a risky change set unexecuted."""

from __future__ import annotations

import json

import pytest
import yaml

from conftest import example_data, write_config
from test_deploy import BUILD, DEV, deploy, project, stacks  # noqa: F401  (the rendered project fixture)


def test_env_deploys_the_environments_account(project, moto_aws):
    result = deploy(project, "--env", "prod", "--dry-run", "--format", "json")
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output.splitlines()[0])
    assert [(s["stack"], s["account"], s["account_id"]) for s in plan["stacks"]] == [("orders-deployment-roles", "prod", "333333333333")]


@pytest.mark.parametrize("args, message", [
    (("--env", "prod", "--account", "prod"), "give --account NAME or --env NAME (one of them)"),
    ((), "give --account NAME or --env NAME (one of them)"),
    (("--env", "qa"), "unknown environment 'qa' (known: dev, prod)"),
    (("--env", "prd"), "unknown environment 'prd' (known: dev, prod); did you mean 'prod'?"),
])
def test_account_or_env_one_of_them(project, moto_aws, args, message):
    result = deploy(project, *args, "--dry-run")
    assert result.exit_code == 2 and message in result.output


@pytest.mark.parametrize("stack, what", [("orders-pipeline", "the pipeline stack"), ("orders-svc-dev", "dev's service stack"),
                                         ("orders-deployment-roles", "the deployment roles stack")])
def test_template_may_not_replace_a_stack_pipekit_manages(project, moto_aws, tmp_path, stack, what):
    template = tmp_path / "other.yaml"
    template.write_text(yaml.safe_dump({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}))
    result = deploy(project, "--account", "dev", "--template", str(template), "--stack-name", stack, "--yes")
    assert result.exit_code == 2, result.output
    assert f"--stack-name {stack} is {what}, which pipekit manages" in result.output
    assert stacks(moto_aws, DEV) == []


def change_branch(project, branch):
    data = example_data()
    data["source"]["branch"] = branch
    write_config(project, data)


def test_a_stale_render_is_refused_until_rendered_again(project, moto_aws):
    change_branch(project, "release")  # the pipeline template now renders differently
    result = deploy(project, "--account", "build", "--yes")
    assert result.exit_code == 2
    assert "infra/pipeline.yaml no longer matches pipekit.yaml: run `pipekit render`" in result.output
    assert stacks(moto_aws, BUILD) == []
    from click.testing import CliRunner

    from pipekit.cli import main

    assert CliRunner().invoke(main, ["--config", str(project / "pipekit.yaml"), "render"]).exit_code == 0
    assert deploy(project, "--account", "build", "--yes").exit_code == 0


def test_allow_stale_deploys_the_files_as_they_are(project, moto_aws):
    change_branch(project, "release")
    result = deploy(project, "--account", "build", "--yes", "--allow-stale")
    assert result.exit_code == 0, result.output
    # the pipeline stack waits for the target accounts (docs/deploying.md's order)
    assert stacks(moto_aws, BUILD) == ["orders-artifacts"] and "orders-pipeline: not created yet" in result.output


def test_a_template_the_user_edited_is_not_stale(project, moto_aws):
    path = project / "infra" / "target-account.yaml"
    path.write_text(path.read_text() + "# reviewed by the platform team\n")
    result = deploy(project, "--account", "dev", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "orders-deployment-roles" in result.output and "pipekit render" not in result.output


def test_fail_on_leaves_a_risky_change_set_unexecuted_exit_3(project, moto_aws):
    result = deploy(project, "--account", "build", "--yes", "--fail-on", "permission")
    assert result.exit_code == 3, result.output
    assert "orders-artifacts: change set" in result.output
    assert "trips --fail-on permission (3 permission-broadening, 2 permission in 6 changes); it was not executed and is left for review" in result.output
    cf = moto_aws.client(BUILD, "cloudformation")
    assert cf.describe_stacks(StackName="orders-artifacts")["Stacks"][0]["StackStatus"] == "REVIEW_IN_PROGRESS"
    assert stacks(moto_aws, BUILD) == ["orders-artifacts"]  # the pipeline stack was not even started


def test_fail_on_a_risk_not_present_deploys(project, moto_aws):
    for account in ("build", "dev", "prod"):
        assert deploy(project, "--account", account, "--yes").exit_code == 0
    result = deploy(project, "--account", "build", "--yes", "--fail-on", "data-loss")
    assert result.exit_code == 0, result.output
    assert stacks(moto_aws, BUILD) == ["orders-artifacts", "orders-pipeline"]
