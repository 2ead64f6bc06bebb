"""pipekit init: interactive answers checked as they are given; the example copied into a
new folder reports every file as created."""

from __future__ import annotations

import yaml
from click.testing import CliRunner

from pipekit.cli import main

GOOD = ["eu-west-1", "111111111111", "222222222222", "333333333333", "acme/billing",
        "arn:aws:codeconnections:eu-west-1:111111111111:connection/x1"]


def test_each_answer_is_checked_when_given_and_asked_again(tmp_path, monkeypatch):
    answers = ["eu-wst-1", GOOD[0], "1111", *GOOD[1:4], "billing", *GOOD[4:]]
    monkeypatch.setattr("pipekit.cli.app.Application.can_ask", staticmethod(lambda: True))
    result = CliRunner().invoke(main, ["init", str(tmp_path / "billing")], input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    out = result.output
    region_error = out.index("got 'eu-wst-1'; did you mean 'eu-west-1'?")
    assert region_error < out.index("Build account id")  # at its question, not after the last one
    build_error = out.index("account id must be exactly 12 digits, got '1111'")
    assert out.index("Build account id") < build_error < out.index("Dev account id")
    repository_error = out.index("repository must be owner/name for CodeConnections")
    assert out.index("Repository (owner/name") < repository_error < out.index("CodeConnections connection ARN")
    data = yaml.safe_load((tmp_path / "billing" / "pipekit.yaml").read_text())
    assert data["region"] == "eu-west-1" and data["accounts"]["build"]["id"] == "111111111111"
    assert data["source"]["repository"] == "acme/billing"


