"""Accounts share this process's botocore loader and built-in handlers, never what is
each client's own: credentials, signing, retries, timeouts (moto in server mode behind
the fault layer, the example's assume-role profiles)."""

from __future__ import annotations

import re

from pipekit.aws.sessions import CONNECT_TIMEOUT, MAX_ATTEMPTS, READ_TIMEOUT, open_account
from test_account_check import accounts_of_example

STACK = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}


def signed_with(client) -> list[str]:
    """The access key of each request the client sends, read from its Authorization header."""
    keys: list[str] = []
    client.meta.events.register("before-send", lambda request, **_: keys.append(
        re.search(r"Credential=([^/]+)/", request.headers["Authorization"].decode()).group(1)))
    return keys


def test_each_accounts_calls_are_signed_with_its_own_credentials(faults, moto_aws):
    import json

    moto_aws.client("222222222222", "cloudformation").create_stack(StackName="only-in-dev", TemplateBody=json.dumps(STACK))
    dev, prod = (open_account(accounts_of_example(), name) for name in ("dev", "prod"))
    dev_cf, prod_cf = dev.client("cloudformation"), prod.client("cloudformation")
    dev_keys, prod_keys = signed_with(dev_cf), signed_with(prod_cf)
    assert [s["StackName"] for s in dev_cf.describe_stacks()["Stacks"]] == ["only-in-dev"]
    assert prod_cf.describe_stacks()["Stacks"] == []  # moto tells accounts apart by the signing key
    assert dev_keys == [dev.session.get_credentials().get_frozen_credentials().access_key]
    assert prod_keys == [prod.session.get_credentials().get_frozen_credentials().access_key]
    assert dev_keys != prod_keys


def test_retries_and_timeouts_stay_each_clients_own(faults):
    dev, prod = (open_account(accounts_of_example(), name) for name in ("dev", "prod"))
    dev_cf, prod_cf = dev.client("cloudformation"), prod.client("cloudformation")
    faults.fail("DescribeStacks", times=2)  # 503 twice: botocore's retries answer the third time
    assert dev_cf.describe_stacks()["Stacks"] == []
    faults.fail("DescribeStacks", times=2)
    assert prod_cf.describe_stacks()["Stacks"] == []
    assert len(faults.calls("DescribeStacks")) == 6
    for client in (dev_cf, prod_cf):
        config = client.meta.config
        assert (config.connect_timeout, config.read_timeout) == (CONNECT_TIMEOUT, READ_TIMEOUT)
        assert config.retries["mode"] == "adaptive" and config.retries["total_max_attempts"] == MAX_ATTEMPTS + 1  # retries after the first
