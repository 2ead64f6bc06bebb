"""pipekit status's output details, with the botocore Stubber: a stack that does not exist,
an HTML page where AWS's answer should be, and colour only on a terminal."""

from __future__ import annotations

import io
import json

from rich.console import Console

from test_rollback_status import RESOURCES, deployment, run, stack, stub_status_pipeline


def stub_prod(aws, describe_stacks=None):
    cf = aws.accounts["prod"].stub("cloudformation")
    if describe_stacks is None:
        cf.add_client_error("describe_stacks", "ValidationError", "Stack with id orders-svc-prod does not exist", 400)
    else:
        describe_stacks(cf)
    stub_status_pipeline(aws)


def test_a_stack_that_does_not_exist_is_null_in_json_and_not_deployed_in_text(project, aws):
    stub_prod(aws)
    result = run(project, "status", "--env", "prod", "--format", "json")
    assert result.exit_code == 0, result.output
    env = json.loads(result.output)["environments"][0]
    assert env["stack"] is None and env["errors"] == []
    stub_prod(aws)
    text = run(project, "status", "--env", "prod").output
    assert text.splitlines()[:2] == ["prod (account prod, 333333333333)", "  stack: not deployed"]


HTML = ("<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n<body>\n<h1>Bad Gateway</h1>\n"
        "<p>The proxy server received an invalid response from an upstream server.</p>\n</body></html>\n")


def test_an_html_error_page_is_one_line(project, aws):
    # botocore puts the body of a non-AWS answer (a proxy's page) into the error message
    stub_prod(aws, lambda cf: cf.add_client_error("describe_stacks", "403", HTML, 403))
    result = run(project, "status", "--env", "prod")
    assert result.exit_code == 0, result.output
    assert "  unavailable: stack: 403: an HTML page: 502 Bad Gateway (HTTP 403)\n" in result.output
    assert "<html>" not in result.output and "Bad Gateway</h1>" not in result.output


def colour_console(monkeypatch):
    console = Console(file=io.StringIO(), force_terminal=True, color_system="standard", width=200)
    monkeypatch.setattr("pipekit.ui.console.out", lambda: console)
    return console


def stub_shifting(aws):
    def stacks(cf):
        cf.add_response("describe_stacks", stack("UPDATE_IN_PROGRESS"))
        cf.add_response("describe_stack_resources", RESOURCES)
    prod = aws.accounts["prod"]
    stub_prod(aws, stacks)
    prod.stub("lambda").add_response("get_alias", {"Name": "live", "FunctionVersion": "7"})
    prod.stub("codedeploy").add_response("list_deployments", {"deployments": ["d-ABCDEF123"]})
    prod.stub("codedeploy").add_response("get_deployment", deployment("InProgress"))


def test_status_is_coloured_on_a_terminal_and_plain_elsewhere(project, aws, monkeypatch):
    stub_shifting(aws)
    plain = run(project, "status", "--env", "prod").output
    assert "stack orders-svc-prod: UPDATE_IN_PROGRESS" in plain and "\x1b[" not in plain
    console = colour_console(monkeypatch)
    stub_shifting(aws)
    assert run(project, "status", "--env", "prod").exit_code == 0
    coloured = console.file.getvalue()
    assert "stack orders-svc-prod: \x1b[33mUPDATE_IN_PROGRESS\x1b[0m" in coloured  # yellow: under way
    assert "Build: \x1b[32mSucceeded\x1b[0m" in coloured  # green: done
