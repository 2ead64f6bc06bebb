"""Credentials and connections that fail: each is one line naming the account and how
its credentials are reached, exit 2 for credentials, and the profile's own AssumeRole
retries like every other call. moto in server mode behind the fault layer
(fault_layer.py), real AWS config files, real credential_process programs, and a
socket that accepts and never answers."""

from __future__ import annotations

import shlex
import socket
import sys
import threading

import pytest
from click.testing import CliRunner

from conftest import queue_deploy_args
from pipekit.cli import main

SIGNATURE = (403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.")


@pytest.fixture
def project(queue_project):
    return queue_project


def deploy(project):
    return CliRunner().invoke(main, queue_deploy_args(project, "orders-jane", "--yes"))


def one_error_line(result) -> str:
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.output
    return errors[0]


def test_a_wrong_secret_key_is_exit_2_naming_the_profile(faults, project):
    faults.refuse("AssumeRole", *SIGNATURE, times=100)  # the profile's source keys sign its AssumeRole
    result = deploy(project)
    assert result.exit_code == 2
    assert one_error_line(result) == (
        "error: account dev (profile orders-dev): credentials rejected (SignatureDoesNotMatch); log in again or fix the profile's keys")


def test_a_malformed_aws_config_is_exit_2_in_one_line(faults, project, moto_aws):
    moto_aws.config_file.write_text("[profile orders-dev\nrole_arn = arn:aws:iam::222222222222:role/admin\n")
    result = deploy(project)
    assert result.exit_code == 2
    assert "account dev (profile orders-dev): the AWS config file cannot be read" in one_error_line(result)


def with_credential_process(moto_aws, program: str) -> None:
    command = f"{shlex.quote(sys.executable)} -c {shlex.quote(program)}"
    text = moto_aws.config_file.read_text().replace(
        "[profile orders-dev]\nrole_arn = arn:aws:iam::222222222222:role/admin\nsource_profile = base",
        f"[profile orders-dev]\ncredential_process = {command}")
    assert "credential_process" in text
    moto_aws.config_file.write_text(text)


def test_credential_process_printing_something_else_is_exit_2(faults, project, moto_aws):
    with_credential_process(moto_aws, "print('Enter your PIN:')")
    result = deploy(project)
    assert result.exit_code == 2
    assert "account dev (profile orders-dev): credential_process printed something other than credentials JSON" in one_error_line(result)


def test_credential_process_failing_silently_still_gives_a_reason(faults, project, moto_aws):
    with_credential_process(moto_aws, "import sys; sys.exit(3)")
    result = deploy(project)
    assert result.exit_code == 2
    assert one_error_line(result) == "error: account dev (profile orders-dev): credential_process failed: it printed no reason"


def test_credential_process_failing_with_a_message_shows_it(faults, project, moto_aws):
    with_credential_process(moto_aws, "import sys; sys.stderr.write('token expired, run sso-login\\n'); sys.exit(1)")
    result = deploy(project)
    assert result.exit_code == 2
    assert one_error_line(result).endswith("credential_process failed: token expired, run sso-login")


def test_the_profiles_own_assume_role_retries_like_every_call(faults, project):
    # botocore's default for a credential provider's client is 5 attempts (legacy mode);
    # pipekit's policy is 8: six failures in a row still end in a deploy.
    faults.fail("AssumeRole", times=6)
    result = deploy(project)
    assert result.exit_code == 0, result.output
    assert len(faults.calls("AssumeRole")) >= 7


def test_an_endpoint_that_never_answers_is_given_up_with_the_account_named(moto_aws, project, monkeypatch):
    from botocore.retries import standard

    from pipekit.aws import sessions

    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0.001)
    monkeypatch.setattr(sessions, "READ_TIMEOUT", 0.2)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    accepted: list[socket.socket] = []
    heads: list[bytes] = []

    def accept_and_say_nothing():
        while True:
            try:
                connection = silent.accept()[0]
                accepted.append(connection)
                connection.settimeout(5)
                heads.append(connection.recv(1000))
            except OSError:
                return

    thread = threading.Thread(target=accept_and_say_nothing, daemon=True)
    thread.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{silent.getsockname()[1]}")
    try:
        result = deploy(project)
    finally:
        silent.close()
        for connection in accepted:
            connection.close()
    assert result.exit_code == 1
    line = one_error_line(result)
    assert line.startswith("error: account dev (profile orders-dev): no answer from AWS after every retry: Read timeout")
    # every attempt (the profile's AssumeRole first of all) waited READ_TIMEOUT, then the next
    assert len(heads) >= sessions.MAX_ATTEMPTS
    assert all(b"cfg/retry-mode#adaptive" in head and b"pipekit" in head for head in heads)
