"""pipekit status: where every environment stands. Read-only, and tolerant: what cannot be
read is reported with the reason, and the rest is still shown."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import TYPE_CHECKING, Any, Callable, Optional

from pipekit.aws.errors import describe
from pipekit.project import layout, names
from pipekit.config.constants import BUILD_ACCOUNT
from pipekit.recovery.observe import Clients, service_parts
from pipekit.release import gates, overlap
from pipekit.release.polling import Backoff

if TYPE_CHECKING:
    from pipekit.config.models import Config


def _attempt(errors: list[str], what: str, read: Callable[[], Any]) -> Any:
    """`what` is "" when the error names it already (opening an account says "account X")."""
    try:
        # When AWS still throttles after botocore's retries, wait and read again, as polling does.
        return Backoff().read(read)
    except Exception as exc:  # partial access: say what is missing and why, go on
        errors.append(f"{what}: {describe(exc)}" if what else describe(exc))
        return None


def status_report(cfg: Config, env_names: list[str], clients: Clients, only_stage: Optional[str] = None,
                  on_environment: Callable[[int, dict[str, Any]], None] = lambda index, report: None) -> dict[str, Any]:
    """Every environment and the pipeline, read concurrently (each environment in its own
    account); the report keeps the config's order. on_environment(index, report) is told
    of each environment as it arrives, for a live view."""
    with ThreadPoolExecutor(max_workers=max(1, min(overlap.ACCOUNTS_AT_ONCE, len(env_names) + 1)), thread_name_prefix="status") as pool:
        pipeline = pool.submit(pipeline_status, cfg, clients, only_stage)
        futures = {pool.submit(environment_status, cfg, name, clients): index for index, name in enumerate(env_names)}
        for future in as_completed(futures):
            on_environment(futures[future], future.result())
        envs = [future.result() for future in futures]
        return {"project": cfg.project, "environments": envs, "pipeline": pipeline.result()}


def environment_status(cfg: Config, env_name: str, clients: Clients) -> dict[str, Any]:
    env = cfg.environment(env_name)
    stack_name = names.service_stack(cfg, env.name)
    errors: list[str] = []
    report: dict[str, Any] = {
        "environment": env.name, "account": env.account, "account_id": cfg.account_id(env.account),
        "stack": None, "functions": [], "deployments": [], "alarms": [], "errors": errors,
    }
    cf = _attempt(errors, "", lambda: clients(env.account, "cloudformation"))
    if cf is None:
        return report
    # The resources and the alarms (named by the config) need not wait for the stack's read:
    # one round trip, not three. What they found counts only once the stack is there.
    resource_errors: list[str] = []
    alarm_errors: list[str] = []
    stack, resources, alarms = overlap.together(
        lambda: _attempt(errors, "stack", lambda: cf.describe_stack(stack_name)),
        lambda: _attempt(resource_errors, "resources", lambda: cf.resources(stack_name)),
        lambda: _alarms(alarm_errors, env.account, names.service_alarms(cfg, stack_name), clients),
    )
    if stack is None:  # not deployed (null), or not readable (the reason is in errors)
        return report
    report["stack"] = {"name": stack_name, "status": stack.status, "last_updated": stack.last_updated.isoformat() if stack.last_updated else None}
    errors.extend(resource_errors)
    functions, groups, _ = service_parts(resources or [])
    # The aliases and the traffic shifts need nothing from each other: their round trips overlap.
    alias_errors: list[str] = []
    deployment_errors: list[str] = []
    report["functions"], report["deployments"] = overlap.together(
        lambda: _aliases(alias_errors, env.account, [f for f in functions if not f.startswith(names.HOOK_FUNCTION_PREFIX)], clients),
        lambda: _deployments(deployment_errors, env.account, groups, clients),
    )
    report["alarms"] = alarms
    errors.extend(alias_errors + deployment_errors + alarm_errors)  # in the order the reads are written, whichever answered first
    return report


def _aliases(errors: list[str], account: str, functions: list[str], clients: Clients) -> list[dict[str, Any]]:
    lam = _attempt(errors, "lambda", lambda: clients(account, "lambda"))
    found = []
    for function in functions if lam else []:
        alias = _attempt(errors, f"alias of {function}", lambda fn=function: lam.alias(fn))
        if alias:
            found.append({"function": alias.function, "alias": alias.name, "version": alias.version,
                          "weights": alias.weights, "shifting": alias.shifting})
    return found


def _deployments(errors: list[str], account: str, groups: list[tuple[str, str]], clients: Clients) -> list[dict[str, Any]]:
    codedeploy = _attempt(errors, "codedeploy", lambda: clients(account, "codedeploy"))
    found = []
    for application, group in groups:
        for deployment in (_attempt(errors, f"deployments of {group}", lambda a=application, g=group: codedeploy.active_deployments(a, g)) or []):
            found.append({"id": deployment.deployment_id, "group": deployment.group, "status": deployment.status,
                          "progress": deployment.progress})
    return found


def _alarms(errors: list[str], account: str, alarm_names: list[str], clients: Clients) -> list[dict[str, Any]]:
    watch = _attempt(errors, "cloudwatch", lambda: clients(account, "cloudwatch"))
    return [{"name": alarm.name, "state": alarm.state, "reason": alarm.reason, "since": alarm.since.isoformat() if alarm.since else None}
            for alarm in ((_attempt(errors, "alarms", lambda: watch.alarms(alarm_names)) or []) if watch else [])]


def pipeline_status(cfg: Config, clients: Clients, only_stage: Optional[str] = None) -> dict[str, Any]:
    name = names.pipeline_name(cfg)
    errors: list[str] = []
    report: dict[str, Any] = {"name": name, "stages": [], "waiting_approvals": [], "errors": errors}
    pipeline = _attempt(errors, "", lambda: clients(BUILD_ACCOUNT, "codepipeline"))
    if pipeline is None:
        return report
    # The state and the executions need nothing from each other: their round trips overlap.
    execution_errors: list[str] = []
    state, recent = overlap.together(lambda: _attempt(errors, "pipeline state", lambda: pipeline.state(name)),
                                     lambda: _attempt(execution_errors, "executions", lambda: pipeline.executions(name, 25)))
    errors.extend(execution_errors)  # after the state's, whichever answered first
    stages, approvals = state or ([], [])
    executions = {e.execution_id: e for e in (recent or [])}
    for stage in stages:
        if only_stage and stage.name not in (only_stage, layout.SOURCE_STAGE, layout.BUILD_STAGE):
            continue
        execution = executions.get(stage.execution_id)
        report["stages"].append({
            "name": stage.name, "status": stage.status, "execution_id": stage.execution_id,
            "revision": execution.revision if execution else "",
            "started": execution.started.isoformat() if execution and execution.started else None,
            # The stage's gates: what each condition saw last and why it holds the stage.
            "conditions": [gates.as_data(c) for c in stage.conditions],
        })
    for approval in approvals:
        env = layout.environment_of_stage(cfg, approval.stage)
        report["waiting_approvals"].append({
            "stage": approval.stage, "action": approval.action, "since": approval.since.isoformat() if approval.since else None,
            "answer_with": f"pipekit approve --env {env.name}" if env else "pipekit approve",
        })
    return report
