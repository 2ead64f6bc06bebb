"""notifications.slack / notifications.teams: a CodeStar Notifications rule on the
pipeline (approval needed, execution failed) to Amazon Q Developer in chat applications
channel configurations, checked by the real validators."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from conftest import example_data, write_config, write_skeleton
from pipekit.cli import main
from pipekit.config import notifications
from pipekit.project import cfn_yaml

SLACK = {"workspace_id": "T012AB3CD", "channel_id": "C012AB3CD"}
TEAMS = {"team_id": "5f1e6a2b-1111-4222-8333-944445555666", "tenant_id": "0a1b2c3d-1111-4222-8333-944445555666",
         "channel_id": "19%3ab2c3d4e5%40thread.tacv2"}


def project(tmp_path, **chat):
    data = example_data()
    data["notifications"] = {"email": "releases@example.com", **chat}
    root = tmp_path / "orders"
    write_config(root, data)
    write_skeleton(root, data)  # the .NET projects it names: validate reports missing ones
    return root


def run(root, *args):
    return CliRunner().invoke(main, ["--config", str(root / "pipekit.yaml"), *args])


def pipeline(root):
    assert run(root, "render").exit_code == 0
    return cfn_yaml.loads((root / "infra" / "pipeline.yaml").read_text())["Resources"]


@pytest.mark.parametrize("resource_type, prop, pattern", [
    ("AWS::Chatbot::SlackChannelConfiguration", "SlackWorkspaceId", notifications.SLACK_WORKSPACE_ID),
    ("AWS::Chatbot::SlackChannelConfiguration", "SlackChannelId", notifications.SLACK_CHANNEL_ID),
    ("AWS::Chatbot::MicrosoftTeamsChannelConfiguration", "TeamId", notifications.TEAMS_UUID),
    ("AWS::Chatbot::MicrosoftTeamsChannelConfiguration", "TeamsTenantId", notifications.TEAMS_UUID),
    ("AWS::Chatbot::MicrosoftTeamsChannelConfiguration", "TeamsChannelId", notifications.TEAMS_CHANNEL_ID),
])
def test_the_id_patterns_are_cfn_lints(resource_type, prop, pattern):
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    assert PROVIDER_SCHEMA_MANAGER.get_resource_schema("eu-west-1", resource_type).schema["properties"][prop]["pattern"] == pattern


def test_slack_renders_a_listening_channel_and_the_rule(tmp_path):
    resources = pipeline(project(tmp_path, slack=SLACK))
    channel = resources["SlackChannel"]["Properties"]
    assert (channel["SlackWorkspaceId"], channel["SlackChannelId"]) == ("T012AB3CD", "C012AB3CD")
    assert channel["GuardrailPolicies"] == [{"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AWSDenyAll"}]
    assert "Policies" not in resources["ChatRole"]["Properties"] and "ManagedPolicyArns" not in resources["ChatRole"]["Properties"]
    rule = resources["ChatNotificationRule"]["Properties"]
    assert rule["EventTypeIds"] == ["codepipeline-pipeline-manual-approval-needed", "codepipeline-pipeline-pipeline-execution-failed"]
    assert rule["Targets"] == [{"TargetType": "AWSChatbotSlack", "TargetAddress": {"Ref": "SlackChannel"}}]
    assert "TeamsChannel" not in resources


def test_without_chat_nothing_is_rendered(tmp_path):
    resources = pipeline(project(tmp_path))
    assert not {"ChatRole", "SlackChannel", "TeamsChannel", "ChatNotificationRule"} & set(resources)


def test_slack_and_teams_together_pass_cfn_lint_the_rules_and_the_preflight(tmp_path):
    root = project(tmp_path, slack=SLACK, teams=TEAMS)
    resources = pipeline(root)
    assert resources["TeamsChannel"]["Properties"]["TeamsChannelId"] == TEAMS["channel_id"]  # as written, %-encoding kept
    assert [t["TargetType"] for t in resources["ChatNotificationRule"]["Properties"]["Targets"]] == ["AWSChatbotSlack", "AWSChatbotMicrosoftTeams"]
    result = run(root, "validate")
    assert result.exit_code == 0, result.output
    assert "no findings" in result.output


def test_a_malformed_channel_id_is_one_line_naming_the_key(tmp_path):
    root = project(tmp_path, slack={"workspace_id": "T012AB3CD", "channel_id": "#releases"})
    result = run(root, "render")
    assert result.exit_code == 2
    assert "notifications.slack.channel_id" in result.output and "Traceback" not in result.output


def test_the_review_function_publishes_to_the_chat_topic_and_only_there(tmp_path):
    resources = pipeline(project(tmp_path, slack=SLACK))
    assert resources["SlackChannel"]["Properties"]["SnsTopicArns"] == [{"Ref": "ChatTopic"}]
    assert resources["ChatTopic"]["Properties"]["KmsMasterKeyId"] == resources["ReviewFunction"]["Properties"]["KmsKeyArn"]
    assert resources["ReviewFunction"]["Properties"]["Environment"]["Variables"]["CHAT_TOPIC_ARN"] == {"Ref": "ChatTopic"}
    statements = resources["ReviewRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    assert [s["Resource"] for s in statements if "sns:Publish" in str(s["Action"])] == [{"Ref": "ChatTopic"}]


def _chat_preflight(change=None):
    from pipekit.checks.permissions.model import DENIED
    from pipekit.checks.permissions.preflight import preflight
    from pipekit.project import names
    from pipekit.project.render import render_all
    from conftest import config_from
    data = example_data()
    data["notifications"] = {"slack": SLACK}
    cfg = config_from(data)
    files = render_all(cfg)
    templates = {rel: cfn_yaml.loads(files[rel]) for rel in names.CLOUDFORMATION_TEMPLATES}
    if change:
        change(templates[names.PIPELINE_TEMPLATE]["Resources"])
    return {(f.action, f.resource) for f in preflight(templates, cfg) if f.rule == DENIED}


def test_the_preflight_proves_the_chat_grant_and_misses_it_when_taken_away():
    assert _chat_preflight() == set()

    def without_grant(resources):
        document = resources["ReviewRole"]["Properties"]["Policies"][0]["PolicyDocument"]
        document["Statement"] = [s for s in document["Statement"] if s.get("Sid") != "TellTheChat"]

    assert _chat_preflight(without_grant) == {("sns:Publish", "arn:aws:sns:eu-west-1:111111111111:orders-pipeline-chat")}
