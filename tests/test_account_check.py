"""The account check of a deploy overlaps its first reads, and nothing is written before
it answers (real botocore clients with Stubbers: requests checked against the models)."""

from __future__ import annotations

import threading

import pytest
from botocore.stub import Stubber

from pipekit.aws.sessions import AccountMismatch, AccountSession, new_session


def test_reads_go_ahead_while_the_account_is_checked_and_writes_wait_for_it():
    session = AccountSession("dev", "222222222222", new_session(), "eu-west-1", None)
    sts, cf = session.client("sts"), session.client("cloudformation")
    answer = threading.Event()
    sts.meta.events.register("before-parameter-build.sts.GetCallerIdentity", lambda **_: answer.wait(5) and None)
    with Stubber(sts) as sts_stub, Stubber(cf) as cf_stub:
        sts_stub.add_response("get_caller_identity", {"Account": "333333333333", "Arn": "arn:aws:iam::333333333333:user/x", "UserId": "x"})
        cf_stub.add_response("describe_stacks", {"Stacks": []})
        cf_stub.add_client_error("describe_stacks", "ValidationError", "Stack with id s does not exist", 400)
        cf_stub.add_response("create_change_set", {"Id": "arn:aws:cloudformation:eu-west-1:333333333333:changeSet/c/1"})
        session.verify_in_background()
        cf.describe_stacks(StackName="s")  # a read, answered while STS has not answered yet
        assert not session._check.done()
        answer.set()  # STS answers now: a failed read waited for it, and the wrong account is named
        with pytest.raises(AccountMismatch, match="credentials are for account 333333333333"):
            cf.describe_stacks(StackName="s")
        with pytest.raises(AccountMismatch):
            cf.create_change_set(StackName="s", ChangeSetName="c", TemplateBody="{}")
        with pytest.raises(AssertionError):  # the write never went out: its answer is still waiting
            cf_stub.assert_no_pending_responses()


def test_an_assumed_role_names_its_account_so_sts_is_not_asked_again():
    session = AccountSession("dev", "222222222222", new_session(), "eu-west-1", None, known_id="333333333333")
    with Stubber(session.client("sts")):  # no response stubbed: a GetCallerIdentity would fail differently
        with pytest.raises(AccountMismatch, match="credentials are for account 333333333333"):
            session.verify_in_background()
