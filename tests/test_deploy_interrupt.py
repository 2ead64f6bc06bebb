"""A deploy stopped part-way: Ctrl-C (a real SIGINT to a real pipekit process) and
credentials that expire mid-deploy. moto in server mode behind the fault layer of
fault_layer.py, which holds a request so that the signal lands in a known phase, and
answers ExpiredToken as STS-issued credentials are refused once they expire."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import pipekit
from conftest import queue_deploy_args
from pipekit.cli import main

DEV = "222222222222"
STACK = "orders-jane"
EXPIRED = (403, "ExpiredToken", "The security token included in the request is expired")


@pytest.fixture
def project(queue_project):
    return queue_project


def args(project, *more):
    return queue_deploy_args(project, STACK, *more)


def interrupt_when(faults, project, action):
    """Run pipekit in its own process; send SIGINT once `action` reaches AWS."""
    faults.watch = action
    env = {**os.environ, "PYTHONPATH": str(Path(pipekit.__file__).parents[1])}
    # A shell's background job starts with SIGINT ignored; a terminal's Ctrl-C does not.
    process = subprocess.Popen([sys.executable, "-m", "pipekit", *args(project, "--yes")], env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        assert faults.arrived.wait(60), f"{action} never came"
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    return process.returncode, output


def left_in_aws(moto_aws):
    cf = moto_aws.client(DEV, "cloudformation")
    stacks = {s["StackName"]: s["StackStatus"] for s in cf.describe_stacks()["Stacks"] if s["StackStatus"] != "DELETE_COMPLETE"}
    change_sets = [c["ChangeSetName"] for c in cf.list_change_sets(StackName=STACK)["Summaries"]
                   if c["StackName"] == STACK and c["ExecutionStatus"] == "AVAILABLE"] if stacks else []
    return stacks, change_sets


def test_ctrl_c_while_the_change_set_is_created_deletes_it_and_the_empty_stack(faults, project, moto_aws):
    faults.delay("DescribeChangeSet", 3)
    code, output = interrupt_when(faults, project, "DescribeChangeSet")
    assert code == 130, output
    last = output.strip().splitlines()[-1]
    assert "interrupted: deleted change set pipekit-" in last and f"(not executed) and the empty stack {STACK}" in last
    assert "nothing goes on in AWS; run `pipekit deploy --account dev` to deploy" in last
    assert "Traceback" not in output and "Aborted" not in output
    assert left_in_aws(moto_aws) == ({}, [])
    # and the rerun starts clean: one stack, no change set piled up
    result = CliRunner().invoke(main, args(project, "--yes"))
    assert result.exit_code == 0, result.output
    assert left_in_aws(moto_aws) == ({STACK: "CREATE_COMPLETE"}, [])


def test_ctrl_c_after_execute_says_what_goes_on_and_how_to_follow_it(faults, project, moto_aws):
    faults.hold("ExecuteChangeSet", 3)  # applied in AWS; the answer is late
    code, output = interrupt_when(faults, project, "ExecuteChangeSet")
    assert code == 130, output
    last = output.strip().splitlines()[-1]
    assert f"interrupted: CloudFormation goes on with {STACK} (change set pipekit-" in last
    assert "without pipekit; `pipekit deploy --account dev --wait` follows it to its end" in last
    assert not faults.calls("DeleteChangeSet") and not faults.calls("DeleteStack")  # nothing executing is touched
    assert left_in_aws(moto_aws) == ({STACK: "CREATE_COMPLETE"}, [])


def test_ctrl_c_at_the_question_deletes_the_change_set(faults, project, moto_aws, monkeypatch):
    from pipekit.cli.app import Application

    def ctrl_c(question):
        raise click.Abort()  # what click.confirm raises on Ctrl-C

    monkeypatch.setattr(Application, "can_ask", staticmethod(lambda: True))
    monkeypatch.setattr(Application, "confirm", staticmethod(ctrl_c))
    result = CliRunner().invoke(main, args(project))
    assert result.exit_code == 130, result.output
    assert "interrupted: deleted change set" in result.output and "Aborted" not in result.output
    assert left_in_aws(moto_aws) == ({}, [])


def test_credentials_expiring_after_execute_say_what_aws_still_does(faults, project, moto_aws):
    faults.refuse("DescribeStackEvents", *EXPIRED, times=100)  # a new stack's events are first read after execute
    result = CliRunner().invoke(main, args(project, "--yes"))
    assert result.exit_code == 2, result.output
    assert "account dev (profile orders-dev): credentials rejected (ExpiredToken); log in again" in result.output
    assert f"CloudFormation goes on with {STACK} (change set pipekit-" in result.output
    assert "`pipekit deploy --account dev --wait` follows it to its end" in result.output


def test_credentials_expiring_before_execute_say_what_was_left(faults, project, moto_aws):
    faults.refuse("DescribeChangeSet", *EXPIRED, times=100)
    result = CliRunner().invoke(main, args(project, "--yes"))
    assert result.exit_code == 2, result.output
    assert "was created and not executed; once logged in again, delete it (aws cloudformation delete-change-set" in result.output
    assert f"--stack-name {STACK} --change-set-name pipekit-" in result.output and "run `pipekit deploy --account dev`" in result.output


def test_ctrl_c_in_any_other_command_is_exit_130_not_aborted(project, monkeypatch):
    from pipekit.cli.app import Application

    def ctrl_c(self):
        raise KeyboardInterrupt

    monkeypatch.setattr(Application, "config", property(ctrl_c))
    result = CliRunner().invoke(main, ["--config", str(project / "pipekit.yaml"), "status"])
    assert result.exit_code == 130
    assert "interrupted; what was already asked of AWS goes on there" in result.output and "Aborted" not in result.output


# ---------------------------------------------------------------- settle, pure (a recording CloudFormation)


class Recorded:
    """CloudFormation as settle sees it: the change set's state, the stack, other change sets."""

    def __init__(self, change_set_status=None, stack_status=None, in_progress=False, others=()):
        from types import SimpleNamespace

        self.change_set_status, self.others, self.calls = change_set_status, list(others), []
        self.stack = None if stack_status is None else SimpleNamespace(status=stack_status, in_progress=in_progress, stack_id="sid")

    def describe_change_set(self, stack, name):
        from types import SimpleNamespace

        from pipekit.aws.cloudformation import ChangeSetNotFound

        if self.change_set_status is None:
            raise ChangeSetNotFound(name)
        return SimpleNamespace(execution_status=self.change_set_status)

    def describe_stack(self, stack):
        return self.stack

    def change_sets(self, stack):
        return [{"StackName": stack, "ChangeSetName": n} for n in self.others]

    def delete_change_set(self, stack, name):
        self.calls.append(("delete_change_set", name))

    def delete_stack(self, stack_id):
        self.calls.append(("delete_stack", stack_id))


def flight(executed=False):
    from pipekit.release.interrupt import InFlight

    return InFlight("dev", STACK, "pipekit-1", "CREATE", executed)


def test_settle_keeps_an_empty_stack_another_change_set_still_needs():
    from pipekit.release.interrupt import settle

    cf = Recorded("AVAILABLE", "REVIEW_IN_PROGRESS", others=["pipekit-other"])
    line = settle(cf, flight(), "pipekit deploy")
    assert cf.calls == [("delete_change_set", "pipekit-1")] and "empty stack" not in line


def test_settle_deletes_nothing_once_executed():
    from pipekit.release.interrupt import settle

    executed = Recorded("AVAILABLE", "UPDATE_COMPLETE")  # the flight knows it executed, whatever AWS still says
    assert settle(executed, flight(executed=True), "pipekit deploy").startswith("interrupted: CloudFormation goes on")
    gone = Recorded(None, "UPDATE_IN_PROGRESS", in_progress=True)  # the change set is gone: it was executed
    assert settle(gone, flight(), "pipekit deploy").startswith("interrupted: CloudFormation goes on")
    assert executed.calls == [] and gone.calls == []
