"""Every AWS call a command makes, recorded as it runs, and the IAM request each one is:
its action (botocore's service name is IAM's prefix for every service pipekit calls) and
the ARN IAM authorizes it on. Which resource type an action is evaluated against, and that
type's ARN format, come from the Service Authorization Reference data cfn-lint ships
(pipekit.checks.permissions.resources); only which request field names the resource is
written here. The preflight's own evaluator then judges each request against a rendered
policy: sufficient (every call allowed) and necessary (every granted action called)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Optional

import botocore.client

from pipekit.checks.permissions import evaluate as ev
from pipekit.checks.permissions import resources

REGION = "eu-west-1"

# AWS: "No permissions are required to perform this operation", and a Deny does not stop it
# (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html):
# pipekit's account check is no grant anyone needs.
NEEDS_NO_PERMISSION = {"sts:GetCallerIdentity"}


_UNRECORDED = botocore.client.BaseClient._make_api_call  # a second Recorder replaces the first


def stubbed_owner(aws: Any) -> Callable[[Any], str]:
    """account_of for stubbed_aws.StubbedAws: the id of the account whose client it is."""
    def owner(client: Any) -> str:
        return next(account.expected_id for account in aws.accounts.values() if client in account.clients.values())
    return owner


@dataclass(frozen=True)
class Call:
    account: str  # the id of the account the call went to
    action: str  # service:Operation
    params: dict
    answer: dict  # {} when the call failed


class Recorder:
    """Records the calls of every botocore client while installed (monkeypatch undoes it)."""

    def __init__(self, monkeypatch: Any, account_of: Callable[[Any], str]) -> None:
        self.calls: list[Call] = []

        def record(client: Any, operation: str, params: dict) -> Any:
            answer: dict = {}
            try:
                answer = _UNRECORDED(client, operation, params)
                return answer
            finally:
                service = client.meta.service_model.service_name
                self.calls.append(Call(account_of(client), f"{service}:{operation}", dict(params), answer or {}))

        monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", record)

    def requests(self, accounts: Optional[Iterable[str]] = None) -> list[tuple[str, str, str]]:
        """(account, action, resource) of each call that needs a permission, in order, once each."""
        wanted = set(accounts) if accounts is not None else None
        found = [(c.account, c.action, arn) for c in self.calls if c.action not in NEEDS_NO_PERMISSION
                 and (wanted is None or c.account in wanted) for arn in resources_of(c)]
        return list(dict.fromkeys(found))


def _stack(params: dict, answer: dict) -> list[str]:
    name = str(params.get("StackName") or answer.get("StackId") or "")
    if ":stack/" not in name:
        stacks = answer.get("Stacks") or [{}]
        name = answer.get("StackId") or stacks[0].get("StackId") or f"{name}/unknown-stack-id"
    return [name.split(":stack/", 1)[-1]]


def _alarms(params: dict, answer: dict) -> list[str]:
    return list(params.get("AlarmNames") or ([params["AlarmName"]] if "AlarmName" in params else []))


def _deployment_group(params: dict, answer: dict) -> list[str]:
    info = answer.get("deploymentInfo") or params
    if "deploymentGroupName" not in info:
        return []
    return [f"{info['applicationName']}/{info['deploymentGroupName']}"]


# (service, resource type) -> the resource's own part of its ARN, from the request (or,
# where the request names it only by id, the answer).
OWN_PART: dict[tuple[str, str], Callable[[dict, dict], list[str]]] = {
    ("cloudformation", "stack"): _stack,
    ("cloudwatch", "alarm"): _alarms,
    ("codepipeline", "pipeline"): lambda p, a: [p.get("name") or p["pipelineName"]],
    ("codepipeline", "stage"): lambda p, a: [f"{p['pipelineName']}/{p['stageName']}"],
    ("codepipeline", "action"): lambda p, a: [f"{p['pipelineName']}/{p['stageName']}/{p['actionName']}"],
    ("codebuild", "project"): lambda p, a: sorted({i.split(":", 1)[0] for i in p["ids"]}),  # build id: project:uuid
    ("codebuild", "report-group"): lambda p, a: sorted({r.split(":report/", 1)[1].rsplit(":", 1)[0] for r in p["reportArns"]}),
    ("codedeploy", "deploymentgroup"): _deployment_group,
    ("lambda", "function"): lambda p, a: [p["FunctionName"]],
}


def resources_of(call: Call) -> list[str]:
    """The ARNs IAM authorizes the call on; "*" for an action that takes no resource type,
    or a call that names none of its resources (only a grant on "*" covers it)."""
    service = call.action.split(":")[0]
    types = resources.resource_types(call.action)
    assert types is not None, f"{call.action} is not in the Service Authorization Reference data"
    for kind in types:
        own = OWN_PART.get((service, kind))
        if own is not None:
            parts = own(call.params, call.answer)
            return [resources.arn(service, kind, part, "aws", REGION, call.account) for part in parts] or ["*"]
    return ["*"]


def denied(requests: Iterable[tuple[str, str, str]], policies: Callable[[str], list[ev.Policy]]) -> list[tuple[str, str, str]]:
    """The requests that the account's policies (policies(account)) do not allow a person
    holding only them (a role of that account)."""
    out = []
    for account, action, resource in requests:
        person = ev.Principal(f"arn:aws:iam::{account}:role/person", account)
        if not ev.evaluate(ev.Request(person, action, resource), policies(account)).allowed:
            out.append((account, action, resource))
    return out


def granted_actions(document: dict) -> set[str]:
    """Every action a policy document's Allow statements name (no wildcards expected)."""
    found = set()
    for statement in document["Statement"]:
        if statement.get("Effect") == "Allow":
            actions = statement["Action"]
            found |= {actions} if isinstance(actions, str) else set(actions)
    return found


@dataclass(frozen=True)
class People:
    """A managed policy pipekit renders for people, in each account of the example."""

    policies: dict[str, list]  # account id -> [that account's policy] (empty where none is rendered)
    asks: set[tuple[str, str]]  # (account id, action) the preflight asks of its holders


def rendered_people_policy(policy_name: str) -> People:
    from cfnlint.decode.cfn_yaml import loads

    from conftest import config_from, example_data
    from pipekit.checks.permissions.preflight import needs
    from pipekit.checks.permissions.stacks import load
    from pipekit.project import names
    from pipekit.project.render import render_all
    from stubbed_aws import ACCOUNT_IDS

    cfg = config_from(example_data())
    files = render_all(cfg)
    project = load({rel: loads(files[rel]) for rel in names.CLOUDFORMATION_TEMPLATES}, cfg)
    policies = {account: [policy for arn, (policy, _) in project.registry.managed.items()
                          if arn == f"arn:aws:iam::{account}:policy/{policy_name}"] for account in ACCOUNT_IDS.values()}
    asks = {(n.principal.split(":")[4], n.action) for n in needs(project) if n.principal.endswith(f"<a holder of {policy_name}>")}
    return People(policies, asks)
