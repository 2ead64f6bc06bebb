"""Accounts whose clients are real botocore clients with a Stubber attached: every request
is validated against the real API model, every response is shaped like the API
reference's. For the commands moto cannot serve (change-set Details, approvals)."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import boto3
from botocore.stub import Stubber

ACCOUNT_IDS = {"build": "111111111111", "dev": "222222222222", "prod": "333333333333"}


class StubbedAccount:
    def __init__(self, name: str) -> None:
        self.name = name
        self.expected_id = ACCOUNT_IDS[name]
        self.clients = {}
        self.stubbers = {}

    def client(self, service: str):
        if service not in self.clients:
            client = boto3.client(service, region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="y")
            self.clients[service] = client
            self.stubbers[service] = Stubber(client)
            self.stubbers[service].activate()
        return self.clients[service]

    def stub(self, service: str) -> Stubber:
        self.client(service)
        return self.stubbers[service]

    def verify(self) -> str:
        return self.expected_id

    def verify_in_background(self) -> None:
        self.verify()

    def checked(self) -> None:
        pass


class StubbedAws:
    """Patch pipekit.aws.sessions.open_account with this to hand out stubbed accounts."""

    def __init__(self) -> None:
        self.accounts = {name: StubbedAccount(name) for name in ACCOUNT_IDS}
        self.opened: list[str] = []

    def open_account(self, accounts, account, overrides=None):
        self.opened.append(account)
        return self.accounts[account]

    def assert_done(self) -> None:
        for account in self.accounts.values():
            for stubber in account.stubbers.values():
                stubber.assert_no_pending_responses()


T0 = datetime(2026, 11, 27, 9, 30, tzinfo=timezone.utc)
PROD_STACK = "orders-svc-prod"
PROD_STACK_ID = "arn:aws:cloudformation:eu-west-1:333333333333:stack/orders-svc-prod/5e6f"
PROD_CHANGE_SET = "orders-prod-pipeline"
PROD_CHANGE_SET_ID = f"arn:aws:cloudformation:eu-west-1:333333333333:changeSet/{PROD_CHANGE_SET}/aa11"


def resource_change(action, logical, kind, replacement="", physical="", details=(), policy_action="", change_set_id="", before=None, after=None):
    """One change as DescribeChangeSet returns it; before/after: the resource's properties
    (BeforeContext/AfterContext, given with IncludePropertyValues)."""
    change = {"Action": action, "LogicalResourceId": logical, "ResourceType": kind, "Scope": [], "Details": list(details)}
    if before is not None:
        change["BeforeContext"] = json.dumps({"Properties": before})
    if after is not None:
        change["AfterContext"] = json.dumps({"Properties": after})
    if replacement:
        change["Replacement"] = replacement
    if physical:
        change["PhysicalResourceId"] = physical
    if policy_action:
        change["PolicyAction"] = policy_action
    if change_set_id:
        change["ChangeSetId"] = change_set_id
    return {"Type": "Resource", "ResourceChange": change}


def detail(name, recreation="Never", evaluation="Static", source="DirectModification", attribute="Properties", before=None, after=None):
    target = {"Attribute": attribute, "Name": name, "RequiresRecreation": recreation}
    if before is not None:
        target["BeforeValue"] = before
    if after is not None:
        target["AfterValue"] = after
    return {"Target": target, "Evaluation": evaluation, "ChangeSource": source}


def change_set_page(changes, name=PROD_CHANGE_SET, change_set_id=PROD_CHANGE_SET_ID, stack=PROD_STACK, stack_id=PROD_STACK_ID,
                    status="CREATE_COMPLETE", execution="AVAILABLE", token=None):
    page = {
        "ChangeSetName": name, "ChangeSetId": change_set_id, "StackId": stack_id, "StackName": stack,
        "Status": status, "ExecutionStatus": execution, "CreationTime": T0, "Changes": changes, "IncludeNestedStacks": True,
    }
    if token:
        page["NextToken"] = token
    return page
