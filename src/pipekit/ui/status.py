"""pipekit status as text: one block per environment, then the pipeline."""

from __future__ import annotations

from typing import Any


def render_status(report: dict[str, Any]) -> None:
    for env in report["environments"]:
        stack = env["stack"]
        print(f"{env['environment']} (account {env['account']}, {env['account_id']})")
        if stack:
            print(f"  stack {stack['name']}: {stack['status']}" + (f" (updated {stack['last_updated']})" if stack["last_updated"] else ""))
        for fn in env["functions"]:
            weights = ", ".join(f"v{version} {share:.0%}" for version, share in fn["weights"].items())
            shifting = "  traffic shifting" if fn["shifting"] else ""
            print(f"  {fn['function']}:{fn['alias']} -> {weights}{shifting}")
        for deployment in env["deployments"]:
            print(f"  deployment {deployment['id']} ({deployment['group']}): {deployment['status']} {deployment['progress']}".rstrip())
        for error in env["errors"]:
            print(f"  unavailable: {error}")
    pipeline = report["pipeline"]
    print(f"pipeline {pipeline['name']}")
    for stage in pipeline["stages"]:
        revision = f" {stage['revision']}" if stage["revision"] else ""
        started = f" started {stage['started']}" if stage["started"] else ""
        print(f"  {stage['name']}: {stage['status'] or '-'} {stage['execution_id']}{revision}{started}".rstrip())
    for approval in pipeline["waiting_approvals"]:
        print(f"  waiting for approval: {approval['stage']}/{approval['action']} since {approval['since']} -> {approval['answer_with']}")
    for error in pipeline["errors"]:
        print(f"  unavailable: {error}")
