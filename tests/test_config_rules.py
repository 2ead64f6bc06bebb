"""Rules that need facts about AWS or tie parts of pipekit.yaml together: regions from
botocore's endpoint data, CodePipeline's stage quota, accounts that must not collide."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from conftest import EXAMPLE, example_data
from pipekit.config import parse_config
from pipekit.config.models import MAX_ENVIRONMENTS, MAX_PIPELINE_STAGES
from pipekit.config.regions import known_regions
from test_config import error_for

EXAMPLE_TEXT = (EXAMPLE / "pipekit.yaml").read_text()
LINES = EXAMPLE_TEXT.splitlines()
CONNECTION = "arn:aws:codeconnections:eu-west-1:111111111111:connection/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"


def line(needle: str) -> int:
    return next(n for n, text in enumerate(LINES, 1) if needle in text)


# Regions.


def test_an_unknown_region_is_refused_with_the_nearest_one():
    message = error_for(EXAMPLE_TEXT.replace("region: eu-west-1", "region: eu-west-9"))
    assert message.startswith("pipekit.yaml:4:1: region: expected an AWS region such as eu-west-1")
    assert "got 'eu-west-9'; did you mean 'eu-west-" in message


def test_regions_are_botocores():
    from botocore.loaders import create_loader

    endpoints = create_loader().load_data("endpoints")
    assert known_regions() == {region for partition in endpoints["partitions"] for region in partition["regions"]}


@pytest.mark.parametrize("region", ["us-isob-east-1", "eusc-de-east-1", "ap-southeast-2"])
def test_any_region_botocore_knows_is_accepted(region):
    assert region in known_regions()
    data = example_data()
    data["region"] = region
    data["source"] = {"provider": "codecommit", "repository": "orders"}
    assert parse_config(yaml.safe_dump(data)).region == region


def test_loading_a_config_imports_neither_boto3_nor_botocore():
    # boto3 costs start-up; botocore's data file is read in place, without the import.
    code = (
        "import sys; from pathlib import Path; from pipekit.config import load_config;"
        f"load_config(Path({str(EXAMPLE / 'pipekit.yaml')!r}));"
        "print(sorted(m for m in ('boto3', 'botocore') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


# CodePipeline's quota.


def many_environments(count: int) -> str:
    data = example_data()
    data["environments"] = [{"name": f"env{n}", "account": "dev"} for n in range(count)]
    return yaml.safe_dump(data, sort_keys=False)


def test_environments_up_to_what_codepipeline_holds_are_fine():
    assert MAX_ENVIRONMENTS == MAX_PIPELINE_STAGES - 2 == 48
    assert len(parse_config(many_environments(MAX_ENVIRONMENTS)).environments) == MAX_ENVIRONMENTS


def test_one_environment_more_is_refused_with_the_limit_named():
    text = many_environments(MAX_ENVIRONMENTS + 1)
    at = text.splitlines().index(f"- name: env{MAX_ENVIRONMENTS}") + 1
    message = error_for(text)
    assert message == (
        f"pipekit.yaml:{at}:3: 49 environments, expected at most 48: a CodePipeline pipeline has at most 50 stages "
        "(Source, Build and one per environment)"
    )


# Accounts.


def test_an_environment_in_an_account_with_the_build_accounts_id():
    message = error_for(EXAMPLE_TEXT.replace('id: "222222222222"', 'id: "111111111111"'))
    assert message == (
        f"pipekit.yaml:{line('account: dev')}:5: environment 'dev' deploys into account 'dev', whose id 111111111111 "
        "is the build account's; expected an AWS account of its own"
    )


def test_two_accounts_sharing_one_id():
    message = error_for(EXAMPLE_TEXT.replace('id: "333333333333"', 'id: "222222222222"'))
    assert message == (
        f"pipekit.yaml:{line('prod: {id')}:10: accounts 'dev' and 'prod' share id 222222222222; "
        "expected one entry per AWS account (environments may share an entry)"
    )


def test_environments_may_share_one_account_entry():
    text = EXAMPLE_TEXT.replace("account: prod", "account: dev")
    assert [e.account for e in parse_config(text).environments] == ["dev", "dev"]


def test_a_role_arn_in_another_account():
    text = EXAMPLE_TEXT.replace("profile: orders-prod}", "role_arn: arn:aws:iam::222222222222:role/admin}")
    message = error_for(text)
    assert message == (
        f"pipekit.yaml:{line('prod: {id')}:30: role_arn of account 'prod' is in account 222222222222; "
        "expected a role in 333333333333, the account it reaches"
    )
    assert parse_config(text.replace("iam::222222222222", "iam::333333333333")).accounts["prod"].role_arn


def test_a_role_arn_must_be_a_role_arn():
    message = error_for(EXAMPLE_TEXT.replace("profile: orders-prod}", "role_arn: arn:aws:iam::333333333333:user/admin}"))
    assert "accounts.prod.role_arn: role_arn must be an IAM role ARN such as arn:aws:iam::333333333333:role/admin" in message


@pytest.mark.parametrize(
    "arn, expected",
    [
        (CONNECTION.replace("eu-west-1", "eu-west-2"), "connection_arn is in region eu-west-2; expected one in eu-west-1, the pipeline's region"),
        (CONNECTION.replace("111111111111", "222222222222"), "connection_arn belongs to account 222222222222; expected one in the build account 111111111111"),
    ],
)
def test_a_connection_in_another_region_or_account(arn, expected):
    message = error_for(EXAMPLE_TEXT.replace(CONNECTION, arn))
    assert message.startswith(f"pipekit.yaml:{line('connection_arn:')}:3: {expected}")
