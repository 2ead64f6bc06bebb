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


def accounts_of_example():
    from conftest import example_data
    from pipekit.aws.sessions import AccountAccess, AccountMap

    data = example_data()
    return AccountMap({name: AccountAccess(a["id"], a.get("profile"), a.get("role_arn")) for name, a in data["accounts"].items()},
                      data["region"], "build")


def test_a_profile_that_assumes_a_role_is_checked_by_assume_roles_own_answer(faults):
    """moto behind the fault layer, the example's assume-role profiles: the account
    AssumeRole answered for is the check; STS is not asked again."""
    from pipekit.aws.sessions import open_account

    session = open_account(accounts_of_example(), "dev")
    assert session.verify() == "222222222222"
    assert [seen.action for seen in faults.seen] == ["AssumeRole"]


def test_a_role_assumed_through_another_is_named_by_the_answer_that_gave_the_credentials(faults, moto_aws):
    """dev's profile assumes its role from a profile that assumes the build account's:
    botocore keeps both answers; the build account's must not pass for dev's."""
    from pipekit.aws.sessions import AccountMismatch, AccountSession, new_session

    moto_aws.config_file.write_text(moto_aws.config_file.read_text() + "\n[profile hop]\nrole_arn = arn:aws:iam::111111111111:role/admin\n"
                                    "source_profile = base\nregion = eu-west-1\n\n[profile chained]\n"
                                    "role_arn = arn:aws:iam::222222222222:role/admin\nsource_profile = hop\nregion = eu-west-1\n")
    assert AccountSession("dev", "222222222222", new_session("chained"), "eu-west-1", None).verify() == "222222222222"
    with pytest.raises(AccountMismatch, match="credentials are for account 222222222222"):
        AccountSession("build", "111111111111", new_session("chained"), "eu-west-1", None).verify()
    assert [seen.action for seen in faults.seen] == ["AssumeRole", "AssumeRole", "AssumeRole", "AssumeRole"]


def test_a_wrong_account_behind_an_assumed_role_is_refused_without_asking_sts(faults):
    from conftest import example_data
    from pipekit.aws.sessions import AccountAccess, AccountMap, open_account

    data = example_data()
    accounts = accounts_of_example()
    accounts.accounts["dev"] = AccountAccess("222222222222", data["accounts"]["prod"]["profile"])  # prod's profile
    with pytest.raises(AccountMismatch, match=f"credentials are for account {data['accounts']['prod']['id']}"):
        open_account(accounts, "dev").verify()
    assert "GetCallerIdentity" not in [seen.action for seen in faults.seen]


def test_credentials_that_assume_no_role_are_checked_with_sts(faults, moto_aws):
    """The base profile's keys are the user's own: nothing names their account but STS."""
    session = AccountSession("dev", "222222222222", new_session("base"), "eu-west-1", None)
    with pytest.raises(AccountMismatch, match="credentials are for account 123456789012"):
        session.verify()
    assert [seen.action for seen in faults.seen] == ["GetCallerIdentity"]


def test_a_deploys_background_check_of_an_assumed_role_asks_sts_nothing(faults):
    from pipekit.aws.sessions import open_account

    session = open_account(accounts_of_example(), "prod")
    session.verify_in_background()
    session.checked()
    assert session.known_id == "333333333333"
    assert "sts" not in session._clients  # no STS client was made for a check that needs none
    assert [seen.action for seen in faults.seen] == ["AssumeRole"]
