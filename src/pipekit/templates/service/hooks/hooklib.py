"""Shared by pipekit's CodeDeploy traffic hooks: settings, JSON logs, and reporting the
verdict. A hook always reports, whatever happens, so that a deployment never waits for
CodeDeploy's one-hour hook timeout."""

import json
import os
import sys
import time


def log(level, message, **fields):
    """One JSON object per line: CloudWatch Logs Insights can filter on any field."""
    record = {"level": level, "message": message, **fields}
    # Every line names the version it is about, so `pipekit logs --version` can select it.
    version = os.environ.get("TARGET_VERSION_ARN", "").rpartition(":")[2]
    if version:
        record.setdefault("target_version", version)
    print(json.dumps(record, default=str), file=sys.stdout, flush=True)


def settings():
    """The environment's hook settings (a stack parameter, so each environment may differ)."""
    return json.loads(os.environ.get("HOOK_SETTINGS") or "{}")


def target_version_arn():
    return os.environ["TARGET_VERSION_ARN"]


def report(codedeploy, event, status, reason):
    """Tell CodeDeploy the verdict: Succeeded lets traffic move (or the deployment
    finish); Failed rolls the alias back to the old version."""
    log("INFO" if status == "Succeeded" else "ERROR", f"hook verdict: {status}", status=status, reason=reason,
        deployment_id=event.get("DeploymentId"))
    codedeploy.put_lifecycle_event_hook_execution_status(
        deploymentId=event["DeploymentId"],
        lifecycleEventHookExecutionId=event["LifecycleEventHookExecutionId"],
        status=status,
    )


def run_hook(event, context, codedeploy, decide):
    """Run `decide() -> (ok, reason)` and always report. An exception is a failure."""
    started = time.monotonic()
    status, reason = "Failed", "the hook did not finish"
    try:
        ok, reason = decide()
        status = "Succeeded" if ok else "Failed"
    except Exception as exc:  # a broken check must fail the deployment, not hang it
        reason = f"hook error: {type(exc).__name__}: {exc}"
        log("ERROR", "hook raised", error=repr(exc))
    finally:
        report(codedeploy, event, status, reason)
        log("INFO", "hook finished", seconds=round(time.monotonic() - started, 3))
    return {"status": status, "reason": reason}
