"""The change-set lifecycle where moto cannot go: failures reported through stack events,
nested stacks, stacks stuck from a failed create, busy stacks, pagination. The
CloudFormation client is a real botocore client with a Stubber, so every request is
checked against the real API model; responses follow the API reference's shapes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import boto3
import pytest
from botocore.stub import ANY, Stubber

from pipekit.aws.cloudformation import CloudFormation
from pipekit.release.deploy import DeployFailed, FromOutput, StackDeployer, StackPlan, first_failure, resolve_parameters
from pipekit.release.concurrent import AnotherDeploy
from pipekit.release.polling import Backoff

STACK = "orders-svc-dev"
STACK_ID = f"arn:aws:cloudformation:eu-west-1:222222222222:stack/{STACK}/1a2b3c"
T0 = datetime(2026, 11, 27, 10, 0, tzinfo=timezone.utc)


class Clock:
    """Fake time: sleeping advances it, so polling costs no real seconds."""

    def __init__(self):
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def client():
    return boto3.client("cloudformation", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="y")


@pytest.fixture
def plan(tmp_path) -> StackPlan:
    template = tmp_path / "template.yaml"
    template.write_text("Resources:\n  Table:\n    Type: AWS::DynamoDB::Table\n")
    return StackPlan("dev", "222222222222", STACK, template, "test", {}, ("CAPABILITY_IAM",), {"pipekit:project": "orders"})


def deployer(client, clock, events=None, confirm=lambda cs: True):
    return StackDeployer(
        CloudFormation(client),
        (events if events is not None else []).append,
        confirm,
        backoff=lambda: Backoff(first=0.2, sleep=clock.sleep, jitter=0),
        clock=clock,
    )


def stack(status, reason=""):
    body = {"StackName": STACK, "StackId": STACK_ID, "StackStatus": status, "CreationTime": T0}
    if reason:
        body["StackStatusReason"] = reason
    return {"Stacks": [body]}


def no_change_sets(stubber):
    stubber.add_response("list_change_sets", {"Summaries": []}, {"StackName": STACK})


def no_stack(stubber):
    stubber.add_client_error("describe_stacks", "ValidationError", f"Stack with id {STACK} does not exist", 400)


def event(n, logical, status, reason="", kind="AWS::DynamoDB::Table", physical="", stack_id=STACK_ID, stack_name=STACK):
    body = {
        "StackId": stack_id, "EventId": f"e{n}", "StackName": stack_name, "LogicalResourceId": logical,
        "PhysicalResourceId": physical, "ResourceType": kind, "Timestamp": T0 + timedelta(seconds=n), "ResourceStatus": status,
    }
    if reason:
        body["ResourceStatusReason"] = reason
    return body


def events(*items):
    return {"StackEvents": sorted(items, key=lambda e: e["Timestamp"], reverse=True)}  # newest first, as AWS does


def change_set(status="CREATE_COMPLETE", reason="", changes=None, token=None):
    body = {
        "ChangeSetName": "cs", "ChangeSetId": f"{STACK_ID}:changeSet/cs", "StackId": STACK_ID, "StackName": STACK,
        "Status": status, "ExecutionStatus": "AVAILABLE" if status == "CREATE_COMPLETE" else "UNAVAILABLE",
        "Changes": changes if changes is not None else [
            {"Type": "Resource", "ResourceChange": {"Action": "Add", "LogicalResourceId": "Table", "ResourceType": "AWS::DynamoDB::Table"}}
        ],
    }
    if reason:
        body["StatusReason"] = reason
    if token:
        body["NextToken"] = token
    return body


def create_and_wait(stubber, kind="CREATE", pending=1, final=None):
    stubber.add_response("create_change_set", {"Id": f"{STACK_ID}:changeSet/cs", "StackId": STACK_ID},
                         {"StackName": STACK, "ChangeSetName": ANY, "TemplateBody": ANY, "ChangeSetType": kind, "Parameters": [],
                          "Capabilities": ["CAPABILITY_IAM"], "Tags": [{"Key": "pipekit:project", "Value": "orders"}],
                          "IncludeNestedStacks": True, "Description": "created by pipekit", "ClientToken": ANY})
    for _ in range(pending):
        stubber.add_response("describe_change_set", change_set("CREATE_IN_PROGRESS"))
    stubber.add_response("describe_change_set", final or change_set())


def test_failed_first_create_reports_the_root_cause_and_how_to_clean_up(client, plan):
    clock = Clock()
    with Stubber(client) as stubber:
        no_stack(stubber)
        create_and_wait(stubber)
        # No event marker first: the change set created the stack (its events are skipped).
        stubber.add_response("execute_change_set", {}, {"StackName": STACK, "ChangeSetName": ANY, "ClientRequestToken": ANY})
        stubber.add_response("describe_stacks", stack("CREATE_IN_PROGRESS"))
        stubber.add_response("describe_stack_events", events(
            event(0, STACK, "REVIEW_IN_PROGRESS", kind="AWS::CloudFormation::Stack"),
            event(1, STACK, "CREATE_IN_PROGRESS", "User Initiated", kind="AWS::CloudFormation::Stack"),
            event(2, "Table", "CREATE_IN_PROGRESS"),
        ))
        stubber.add_response("describe_stacks", stack("ROLLBACK_COMPLETE"))
        stubber.add_response("describe_stack_events", events(
            event(2, "Table", "CREATE_IN_PROGRESS"),
            event(3, "Table", "CREATE_FAILED", "Resource handler returned message: \"Table already exists: orders\""),
            event(4, "Queue", "CREATE_FAILED", "Resource creation cancelled", kind="AWS::SQS::Queue"),
            event(5, STACK, "ROLLBACK_IN_PROGRESS", "The following resource(s) failed to create: [Table, Queue].", kind="AWS::CloudFormation::Stack"),
            event(6, STACK, "ROLLBACK_COMPLETE", kind="AWS::CloudFormation::Stack"),
        ))  # read after the final state: no third read
        seen = []
        outcome = deployer(client, clock, seen).deploy(plan, {})
        stubber.assert_no_pending_responses()
    assert "REVIEW_IN_PROGRESS" not in [e.event.status for e in seen if type(e).__name__ == "ResourceEvent"]

    assert outcome.result == "failed" and outcome.status == "ROLLBACK_COMPLETE"
    assert outcome.root_cause.logical_id == "Table"
    assert "Table already exists" in outcome.root_cause.reason
    assert any("--replace-failed" in step for step in outcome.next_steps)
    reported = [e.event.event_id for e in seen if hasattr(e, "event")]
    assert reported == ["e1", "e2", "e3", "e4", "e5", "e6"]  # every event once, oldest first


def update_until_executed(stubber):
    """An existing stack's UPDATE change set, created and executed (its newest event read first)."""
    stubber.add_response("describe_stacks", stack("UPDATE_COMPLETE"))
    no_change_sets(stubber)
    create_and_wait(stubber, kind="UPDATE", pending=0)
    stubber.add_response("describe_stack_events", events(event(0, STACK, "UPDATE_COMPLETE", kind="AWS::CloudFormation::Stack")))
    stubber.add_response("execute_change_set", {}, {"StackName": STACK, "ChangeSetName": ANY, "ClientRequestToken": ANY})


def test_root_cause_is_followed_into_a_nested_stack(client, plan):
    nested_id = "arn:aws:cloudformation:eu-west-1:222222222222:stack/orders-svc-dev-Api-XYZ/9f8e"
    clock = Clock()
    with Stubber(client) as stubber:
        update_until_executed(stubber)
        stubber.add_response("describe_stacks", stack("UPDATE_ROLLBACK_COMPLETE"))
        stubber.add_response("describe_stack_events", events(
            event(0, STACK, "UPDATE_COMPLETE", kind="AWS::CloudFormation::Stack"),
            event(1, "Api", "UPDATE_FAILED", "Embedded stack arn:... was not successfully updated", kind="AWS::CloudFormation::Stack", physical=nested_id),
            event(2, STACK, "UPDATE_ROLLBACK_COMPLETE", kind="AWS::CloudFormation::Stack"),
        ))
        stubber.add_response("describe_stack_events", events(
            event(1, "Route", "UPDATE_FAILED", "Invalid route key", kind="AWS::ApiGatewayV2::Route", stack_id=nested_id, stack_name="orders-svc-dev-Api-XYZ"),
        ), {"StackName": nested_id})
        outcome = deployer(client, clock).deploy(plan, {})
        stubber.assert_no_pending_responses()
    assert outcome.root_cause.logical_id == "Route" and outcome.root_cause.reason == "Invalid route key"
    assert outcome.root_cause.stack == "orders-svc-dev-Api-XYZ"
    assert "back to its previous state" in outcome.next_steps[0]


def test_an_updates_newest_event_is_asked_for_while_the_change_set_is_confirmed(client, plan, monkeypatch):
    # The marker read goes out in the background once the change set is ready: the
    # question is answered only after it was asked, so no round trip waits for it.
    import threading

    monkeypatch.setattr("pipekit.release.overlap.IN_ORDER", False)
    marker_asked = threading.Event()
    client.meta.events.register("before-parameter-build.cloudformation.DescribeStackEvents", lambda **_: marker_asked.set())
    answered_after_it = []
    with Stubber(client) as stubber:
        update_until_executed(stubber)
        stubber.add_response("describe_stacks", stack("UPDATE_COMPLETE"))
        stubber.add_response("describe_stack_events", events(event(0, STACK, "UPDATE_COMPLETE", kind="AWS::CloudFormation::Stack"),
                                                             event(1, STACK, "UPDATE_COMPLETE", kind="AWS::CloudFormation::Stack")))
        outcome = deployer(client, Clock(), confirm=lambda cs: answered_after_it.append(marker_asked.wait(5)) or True).deploy(plan, {})
        stubber.assert_no_pending_responses()
    assert answered_after_it == [True] and outcome.result == "succeeded"


def test_a_stack_stuck_from_a_failed_create_is_refused_without_replace_failed(client, plan):
    with Stubber(client) as stubber:
        stubber.add_response("describe_stacks", stack("ROLLBACK_COMPLETE"))
        no_change_sets(stubber)
        with pytest.raises(DeployFailed, match="--replace-failed"):
            deployer(client, Clock()).deploy(plan, {})


def test_replace_failed_deletes_then_creates(client, plan):
    clock = Clock()
    with Stubber(client) as stubber:
        stubber.add_response("describe_stacks", stack("ROLLBACK_COMPLETE"))
        no_change_sets(stubber)
        stubber.add_response("delete_stack", {}, {"StackName": STACK})
        stubber.add_response("describe_stacks", stack("DELETE_IN_PROGRESS"))
        no_stack(stubber)
        create_and_wait(stubber, kind="CREATE")
        # No event marker first: the change set created the stack (its events are skipped).
        stubber.add_response("execute_change_set", {}, {"StackName": STACK, "ChangeSetName": ANY, "ClientRequestToken": ANY})
        stubber.add_response("describe_stacks", {"Stacks": [{**stack("CREATE_COMPLETE")["Stacks"][0], "Outputs": [{"OutputKey": "ApiUrl", "OutputValue": "https://x"}]}]})
        stubber.add_response("describe_stack_events", events(event(1, STACK, "CREATE_COMPLETE", kind="AWS::CloudFormation::Stack")))
        seen = []
        outcome = deployer(client, clock, seen).deploy(plan, {}, replace_failed=True)
        stubber.assert_no_pending_responses()
    assert outcome.result == "succeeded" and outcome.outputs == {"ApiUrl": "https://x"}
    assert type(seen[0]).__name__ == "StackReplacing"


def test_a_busy_stack_is_refused(client, plan):
    with Stubber(client) as stubber:
        stubber.add_response("describe_stacks", stack("UPDATE_IN_PROGRESS"))
        with pytest.raises(AnotherDeploy, match="the stack is UPDATE_IN_PROGRESS since 10:00:00 UTC .* --wait"):
            deployer(client, Clock()).deploy(plan, {})


def test_empty_change_set_is_success_and_deleted(client, plan):
    with Stubber(client) as stubber:
        stubber.add_response("describe_stacks", stack("UPDATE_COMPLETE"))
        no_change_sets(stubber)
        empty = change_set("FAILED", "The submitted information didn't contain changes. Submit different information to create a change set.", changes=[])
        create_and_wait(stubber, kind="UPDATE", pending=0, final=empty)
        stubber.add_response("delete_change_set", {}, {"StackName": STACK, "ChangeSetName": ANY})
        outcome = deployer(client, Clock()).deploy(plan, {})
        stubber.assert_no_pending_responses()
    assert outcome.result == "no_changes" and outcome.ok


def test_a_change_set_that_fails_for_another_reason_is_an_error(client, plan):
    with Stubber(client) as stubber:
        no_stack(stubber)
        stubber.add_response("create_change_set", {"Id": "x:changeSet/cs"})
        stubber.add_response("describe_change_set", change_set("FAILED", "Requires capabilities : [CAPABILITY_NAMED_IAM]", changes=[]))
        with pytest.raises(DeployFailed, match="CAPABILITY_NAMED_IAM"):
            deployer(client, Clock()).deploy(plan, {})


def test_declined_change_set_is_left_and_not_executed(client, plan):
    with Stubber(client) as stubber:
        no_stack(stubber)
        create_and_wait(stubber, pending=0)
        outcome = deployer(client, Clock(), confirm=lambda cs: False).deploy(plan, {})
        stubber.assert_no_pending_responses()  # no execute_change_set was made
    assert outcome.result == "declined" and not outcome.ok


def test_change_set_pages_are_all_read(client):
    first = change_set(token="page-2")
    second = change_set(changes=[{"Type": "Resource", "ResourceChange": {"Action": "Remove", "LogicalResourceId": "Old", "ResourceType": "AWS::SQS::Queue", "Replacement": "True"}}])
    with Stubber(client) as stubber:
        stubber.add_response("describe_change_set", first, {"StackName": STACK, "ChangeSetName": "cs"})
        stubber.add_response("describe_change_set", second, {"StackName": STACK, "ChangeSetName": "cs", "NextToken": "page-2"})
        result = CloudFormation(client).describe_change_set(STACK, "cs")
    assert [c.logical_id for c in result.changes] == ["Table", "Old"]
    assert result.changes[1].replacement == "True"


def test_polling_starts_fast_and_notices_the_end_within_one_interval(client, plan):
    clock = Clock()
    with Stubber(client) as stubber:
        no_stack(stubber)
        create_and_wait(stubber, pending=2)
        # No event marker first: the change set created the stack (its events are skipped).
        stubber.add_response("execute_change_set", {})
        for _ in range(6):
            stubber.add_response("describe_stacks", stack("CREATE_IN_PROGRESS"))
            stubber.add_response("describe_stack_events", events(event(0, STACK, "REVIEW_IN_PROGRESS", kind="AWS::CloudFormation::Stack")))
        stubber.add_response("describe_stacks", stack("CREATE_COMPLETE"))
        stubber.add_response("describe_stack_events", events(event(0, STACK, "REVIEW_IN_PROGRESS", kind="AWS::CloudFormation::Stack"),
                                                             event(1, STACK, "CREATE_COMPLETE", kind="AWS::CloudFormation::Stack")))
        outcome = deployer(client, clock).deploy(plan, {})
        stubber.assert_no_pending_responses()
    assert outcome.result == "succeeded"
    assert clock.sleeps[0] < 1.0  # the first look comes fast
    assert len(clock.sleeps) == 2 + 6  # one sleep per unfinished look, none after the end
    assert clock.sleeps == sorted(clock.sleeps[:2]) + sorted(clock.sleeps[2:])  # backing off


def test_events_read_just_before_the_end_are_completed_by_one_more_read(client, plan):
    # The state and the events are read at once; here the events were read a moment before
    # the stack turned final, so its last events come from one more read, with no sleep.
    clock, seen = Clock(), []
    with Stubber(client) as stubber:
        no_stack(stubber)
        create_and_wait(stubber, pending=0)
        stubber.add_response("execute_change_set", {})
        stubber.add_response("describe_stacks", stack("CREATE_COMPLETE"))
        stubber.add_response("describe_stack_events", events(event(1, "Table", "CREATE_IN_PROGRESS")))
        stubber.add_response("describe_stack_events", events(event(2, "Table", "CREATE_COMPLETE"), event(1, "Table", "CREATE_IN_PROGRESS"),
                                                             event(3, STACK, "CREATE_COMPLETE", kind="AWS::CloudFormation::Stack")),
                             {"StackName": STACK_ID})
        outcome = deployer(client, clock, seen).deploy(plan, {})
        stubber.assert_no_pending_responses()
    assert outcome.result == "succeeded"
    reported = [(e.event.logical_id, e.event.status) for e in seen if type(e).__name__ == "ResourceEvent"]
    assert reported == [("Table", "CREATE_IN_PROGRESS"), ("Table", "CREATE_COMPLETE"), (STACK, "CREATE_COMPLETE")]
    assert clock.sleeps == []


def test_backoff_grows_to_a_cap_and_slows_on_throttling():
    backoff = Backoff(first=0.2, factor=2, cap=5, jitter=0, sleep=lambda s: None)
    delays = [backoff.next_delay() for _ in range(8)]
    assert delays[0] == 0.2 and max(delays) == 5 and delays == sorted(delays)
    backoff.throttled()
    assert backoff.next_delay() == 10
    backoff.activity()
    assert backoff.next_delay() <= 1.0


def test_first_failure_skips_cancellations_and_the_stack_summary():
    from pipekit.aws.cloudformation import _event

    raw = [
        event(1, STACK, "UPDATE_FAILED", "The following resource(s) failed to update: [Fn]", kind="AWS::CloudFormation::Stack"),
        event(2, "Queue", "UPDATE_FAILED", "Resource update cancelled"),
        event(3, "Fn", "UPDATE_FAILED", "Code storage limit exceeded"),
    ]
    assert first_failure([_event(e) for e in raw]).logical_id == "Fn"


def test_parameters_from_another_accounts_output(plan):
    source = FromOutput("build", "orders-artifacts", "ArtifactKeyArn")
    with_output = StackPlan(plan.account, plan.account_id, plan.stack_name, plan.template, "", {"ArtifactKeyArn": source, "Plain": "v"})
    assert resolve_parameters(with_output, lambda s: "arn:aws:kms:eu-west-1:111111111111:key/k") == {
        "ArtifactKeyArn": "arn:aws:kms:eu-west-1:111111111111:key/k", "Plain": "v"}
    with pytest.raises(DeployFailed, match="pipekit deploy --account build"):
        resolve_parameters(with_output, lambda s: None)


def test_throttling_that_outlasts_botocores_retries_slows_polling_down(client, plan):
    clock = Clock()
    with Stubber(client) as stubber:
        no_stack(stubber)
        create_and_wait(stubber, pending=0)
        # No event marker first: the change set created the stack (its events are skipped).
        stubber.add_response("execute_change_set", {})
        stubber.add_response("describe_stacks", stack("CREATE_COMPLETE"))
        stubber.add_client_error("describe_stack_events", "Throttling", "Rate exceeded", 400)
        stubber.add_response("describe_stack_events", events(event(1, STACK, "CREATE_COMPLETE", kind="AWS::CloudFormation::Stack")))
        outcome = deployer(client, clock).deploy(plan, {})
        stubber.assert_no_pending_responses()
    assert outcome.result == "succeeded"
    assert len(clock.sleeps) == 1 and clock.sleeps[0] >= 1.0  # one longer wait after the throttle, then on


def test_other_errors_while_polling_are_not_swallowed(client, plan):
    with Stubber(client) as stubber:
        no_stack(stubber)
        stubber.add_response("create_change_set", {"Id": "x:changeSet/cs"})
        stubber.add_client_error("describe_change_set", "AccessDenied", "not allowed", 403)
        with pytest.raises(Exception, match="not allowed"):
            deployer(client, Clock()).deploy(plan, {})


class FakeDeployer:
    """Deploys by looking up each stack's result; records what it was asked to deploy."""

    def __init__(self, results):
        self.results, self.deployed = results, []

    def deploy(self, plan, parameters, *, execute=True, replace_failed=False):
        from pipekit.release.deploy import StackOutcome

        self.deployed.append(plan.stack_name)
        return StackOutcome(plan.stack_name, self.results[plan.stack_name])


@pytest.mark.parametrize("first, deployed", [
    ("succeeded", ["a", "b"]),
    ("no_changes", ["a", "b"]),
    ("failed", ["a"]),
    ("declined", ["a"]),
])
def test_later_stacks_wait_for_the_earlier_ones(tmp_path, first, deployed):
    from pipekit.release.deploy import deploy_stacks

    plans = [StackPlan("build", "111111111111", name, tmp_path / "t.yaml", "test") for name in ("a", "b")]
    fake = FakeDeployer({"a": first, "b": "succeeded"})
    reported = []
    outcomes = deploy_stacks(plans, fake, lambda source: None, reported.append)
    assert fake.deployed == deployed and [o.stack for o in outcomes] == deployed == [o.stack for o in reported]


def test_with_drift_on_the_review_marks_overwrites_drift(client, plan):
    """deploy --fail-on overwrites-drift: the stack's drift is detected (Stubber, drift_stubs
    shapes) before the review, which marks a change setting the drifted property; without
    it no drift call is made (the CLI's gate then decides: tests/test_deploy.py)."""
    from drift_stubs import resource_drift, stub_detection

    modify = [{"Type": "Resource", "ResourceChange": {
        "Action": "Modify", "LogicalResourceId": "Table", "ResourceType": "AWS::DynamoDB::Table", "Replacement": "False",
        "Details": [{"Target": {"Attribute": "Properties", "Name": "BillingMode", "RequiresRecreation": "Never"}, "Evaluation": "Static"}]}}]
    hotfix = resource_drift(STACK_ID, "Table", "AWS::DynamoDB::Table", "MODIFIED", "orders",
                            [("/BillingMode", "PAY_PER_REQUEST", "PROVISIONED", "NOT_EQUAL")])
    for drift, drifts, expected in [(True, [hotfix], ["overwrites-drift"]), (True, [], []), (False, None, [])]:
        seen = []
        with Stubber(client) as stubber:
            stubber.add_response("describe_stacks", stack("UPDATE_COMPLETE"))
            no_change_sets(stubber)
            create_and_wait(stubber, "UPDATE", pending=0, final=change_set(changes=modify))
            if drifts is not None:
                stub_detection(stubber, STACK, STACK_ID, drifts, "d-1", in_progress=1, drift="DRIFTED" if drifts else "IN_SYNC")
            d = deployer(client, Clock(), seen, confirm=lambda cs: False)
            d.drift = drift
            outcome = d.deploy(plan, {})
            stubber.assert_no_pending_responses()  # drift calls only when asked for
        ready = [e for e in seen if hasattr(e, "review")][-1]
        assert [r.kind for r in ready.review.changes[0].risks] == expected, (drift, drifts)
        assert outcome.result == "declined"


def test_a_change_set_gone_at_execute_is_ours_only_if_the_events_carry_our_token(client, plan):
    """Executing a change set deletes the stack's others: "not found" on our execute is
    our own earlier execute only when the new events carry our ClientRequestToken."""
    from pipekit.aws.cloudformation import ChangeSetNotFound
    from pipekit.release import changeset_ops

    name = "pipekit-20261128-120000-abcd"
    for token, ours in ((name, True), ("pipekit-20261128-115959-ffff", False)):
        with Stubber(client) as stubber:
            stubber.add_client_error("execute_change_set", "ChangeSetNotFound", f"ChangeSet [{name}] does not exist", 404,
                                     expected_params={"StackName": STACK, "ChangeSetName": name, "ClientRequestToken": name})
            stubber.add_response("describe_stack_events", events(
                {**event(1, STACK, "UPDATE_IN_PROGRESS", "User Initiated", kind="AWS::CloudFormation::Stack"), "ClientRequestToken": token},
                event(0, STACK, "UPDATE_COMPLETE", kind="AWS::CloudFormation::Stack"),
            ))
            if ours:
                assert changeset_ops.execute(CloudFormation(client), STACK, name, STACK_ID, "e0") is False
            else:
                with pytest.raises(ChangeSetNotFound):
                    changeset_ops.execute(CloudFormation(client), STACK, name, STACK_ID, "e0")
