"""pipekit deploy when responses are lost, requests fail, and two deploys meet: moto in
server mode behind the fault-injecting WSGI layer of fault_layer.py (CloudFormation's
answers to repeated mutations come from the layer, as the API reference gives them)."""

from __future__ import annotations

import random
import threading
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner

from conftest import queue_deploy_args
from pipekit.cli import main

DEV = "222222222222"
STACK = "orders-jane"


@pytest.fixture
def project(queue_project):
    return queue_project


def deploy(project, *args, queue="jane"):
    return CliRunner().invoke(main, queue_deploy_args(project, STACK, "-p", f"QueueName={queue}", "--yes", *args))


def aws_state(moto_aws):
    cf = moto_aws.client(DEV, "cloudformation")
    stack = cf.describe_stacks(StackName=STACK)["Stacks"][0]["StackStatus"]
    waiting = [c for c in cf.list_change_sets(StackName=STACK)["Summaries"]
               if c["StackName"] == STACK and c["ExecutionStatus"] not in ("EXECUTE_COMPLETE",)]
    return stack, waiting


def test_retried_mutations_carry_one_token_each(faults, project, moto_aws):
    faults.lose("CreateChangeSet")
    faults.lose("ExecuteChangeSet")
    result = deploy(project)
    assert result.exit_code == 0, result.output
    for action, param in (("CreateChangeSet", "ClientToken"), ("ExecuteChangeSet", "ClientRequestToken")):
        tokens = [c.params.get(param) for c in faults.calls(action)]
        assert len(tokens) == 2 and tokens[0] and tokens[0] == tokens[1], (action, tokens)
    assert aws_state(moto_aws) == ("CREATE_COMPLETE", [])
    assert f"{STACK}: CREATE_COMPLETE" in result.output


def test_a_lost_execute_response_is_recognised_and_the_stack_followed(faults, project, moto_aws):
    faults.honour_tokens = False  # the retry is answered "cannot be executed in its current status"
    faults.lose("ExecuteChangeSet")
    result = deploy(project)
    assert result.exit_code == 0, result.output
    assert len(faults.calls("ExecuteChangeSet")) == 2
    assert aws_state(moto_aws) == ("CREATE_COMPLETE", [])
    assert f"{STACK}: CREATE_COMPLETE" in result.output  # the report says what AWS says


def test_a_lost_create_response_reuses_the_change_set(faults, project, moto_aws):
    faults.honour_tokens = False  # the retry is answered AlreadyExistsException
    faults.lose("CreateChangeSet")
    result = deploy(project)
    assert result.exit_code == 0, result.output
    names = {c.params["ChangeSetName"] for c in faults.calls("CreateChangeSet")}
    assert len(faults.calls("CreateChangeSet")) == 2 and len(names) == 1
    assert aws_state(moto_aws) == ("CREATE_COMPLETE", [])


def test_a_lost_delete_response_on_no_changes_is_success(faults, project, moto_aws):
    assert deploy(project).exit_code == 0
    faults.lose("DeleteChangeSet")  # the retry finds it gone: ChangeSetNotFound
    result = deploy(project)
    assert result.exit_code == 0, result.output
    assert f"{STACK}: no changes" in result.output
    assert len(faults.calls("DeleteChangeSet")) == 2
    assert aws_state(moto_aws) == ("CREATE_COMPLETE", [])


@pytest.mark.parametrize("seed", [3, 17])
def test_random_faults_on_every_mutation_still_converge(faults, project, moto_aws, seed):
    """Half of all mutations fail before moto or lose their answer after it (seeded);
    tokens are not honoured (the worst case). Create, no change, update: each report
    matches AWS, and no change set is left."""
    faults.honour_tokens = False
    faults.rng, faults.rate = random.Random(seed), 0.5
    expected = [("jane", "CREATE_COMPLETE", "CREATE_COMPLETE"), ("jane", "no changes", "CREATE_COMPLETE"),
                ("jane-2", "UPDATE_COMPLETE", "UPDATE_COMPLETE")]
    for queue, said, status in expected:
        result = deploy(project, queue=queue)
        assert result.exit_code == 0, result.output
        assert f"{STACK}: {said}" in result.output
        assert aws_state(moto_aws) == (status, [])
    mutations = [c for c in faults.seen if c.action in ("CreateChangeSet", "ExecuteChangeSet", "DeleteChangeSet")]
    assert len(mutations) > 5  # retries happened: each of the 3 deploys makes at most 2 mutations


# ---------------------------------------------------------------- two deploys at once


def another_deploys_change_set(moto_aws, project, name="pipekit-20261128-100000-beef"):
    cf = moto_aws.client(DEV, "cloudformation")
    cf.create_change_set(StackName=STACK, ChangeSetName=name, ChangeSetType="UPDATE", Description="created by pipekit",
                         TemplateBody=(project / "queue.yaml").read_text(), Parameters=[{"ParameterKey": "QueueName", "ParameterValue": "other"}])
    return cf, name


def test_a_second_deploy_names_the_one_in_flight_and_changes_nothing(faults, project, moto_aws):
    assert deploy(project).exit_code == 0
    _, name = another_deploys_change_set(moto_aws, project)
    creates = len(faults.calls("CreateChangeSet"))
    result = deploy(project, queue="jane-2")
    assert result.exit_code == 1
    assert f"another deploy of {STACK} is in flight: change set {name} is created and not executed yet since" in result.output
    assert "min ago" in result.output and "--wait" in result.output
    assert len(faults.calls("CreateChangeSet")) == creates  # nothing of ours was created


def test_wait_queues_behind_the_other_deploy(faults, project, moto_aws):
    assert deploy(project).exit_code == 0
    cf, name = another_deploys_change_set(moto_aws, project)
    faults.watch = "ListChangeSets"

    def other_deploy_executes():
        assert faults.arrived.wait(30)
        cf.execute_change_set(StackName=STACK, ChangeSetName=name)

    thread = threading.Thread(target=other_deploy_executes)
    thread.start()
    result = deploy(project, "--wait", queue="jane-2")
    thread.join()
    assert result.exit_code == 0, result.output
    assert f"change set {name} is created and not executed yet" in result.output and "waiting (--wait)" in result.output
    assert f"{STACK}: UPDATE_COMPLETE" in result.output


def test_in_flight_and_left_behind_are_told_apart():
    from pipekit.aws.cloudformation import Stack
    from pipekit.release.concurrent import FOR_REVIEW, TO_EXECUTE, left_behind, other_deploy

    now = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
    stack = Stack(STACK, "id", "UPDATE_COMPLETE")

    def summary(name, minutes_ago, status="CREATE_COMPLETE", execution="AVAILABLE", description=TO_EXECUTE, stack_name=STACK):
        return {"ChangeSetName": name, "StackName": stack_name, "Status": status, "ExecutionStatus": execution,
                "Description": description, "CreationTime": now - timedelta(minutes=minutes_ago)}

    fresh, old = summary("pipekit-a", 5), summary("pipekit-b", 45)
    review, failed = summary("pipekit-c", 45, description=FOR_REVIEW), summary("pipekit-d", 1, "FAILED", "UNAVAILABLE")
    someone_elses = summary("manual-1", 1)
    assert other_deploy(stack, [old, fresh, review, someone_elses], STACK, now).what == "change set pipekit-a is created and not executed yet"
    assert other_deploy(stack, [old, review, failed, someone_elses], STACK, now) is None
    assert other_deploy(stack, [summary("pipekit-e", 50, "CREATE_IN_PROGRESS", "UNAVAILABLE")], STACK, now) is not None
    assert other_deploy(Stack(STACK, "id", "UPDATE_ROLLBACK_IN_PROGRESS"), [], STACK, now).what == "the stack is UPDATE_ROLLBACK_IN_PROGRESS"
    assert left_behind([fresh, old, review, failed, someone_elses], STACK, now) == ["pipekit-b", "pipekit-d"]
    fresh_review = summary("pipekit-f", 1, description=FOR_REVIEW)  # left for a person, not a deploy waiting on its user
    assert other_deploy(stack, [fresh_review], STACK, now) is None
    executed = summary("pipekit-g", 45, execution="EXECUTE_COMPLETE")
    assert left_behind([executed, old], STACK, now) == ["pipekit-b"]
