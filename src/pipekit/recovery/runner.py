"""Carrying a rollback plan out: each step's API is called with the step's parameters as
they are (what `--dry-run` shows is what runs) and followed to its end; whether the
remedy worked is decided here, from the final states, not by whoever prints it."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

from pipekit.aws.errors import aws_errors
from pipekit.errors import Interrupted, PipekitError
from pipekit.recovery.rollback import RollbackPlan, Step
from pipekit.release.follow import follow_stack
from pipekit.release.polling import Backoff

# The final states that mean each remedy worked.
DONE = {
    "stop_traffic_shift": ("Stopped", "Failed"),  # either way the alias is back on the old version
    "cancel_update": ("UPDATE_ROLLBACK_COMPLETE",),
    "continue_rollback": ("UPDATE_ROLLBACK_COMPLETE",),
    "rollback_stack": ("UPDATE_ROLLBACK_COMPLETE",),
    "delete_failed_stack": ("DELETE_COMPLETE",),
    "rollback_stage": ("Succeeded",),
}
DEPLOYMENT_FINAL = ("Stopped", "Failed", "Succeeded")
EXECUTION_FINAL = ("Succeeded", "Failed", "Stopped", "Superseded")


@dataclass(frozen=True)
class Progress:
    step: Step
    message: str


@dataclass(frozen=True)
class StepResult:
    step: Step
    final: str  # the final state of what the step started
    description: str  # e.g. "deployment d-ABC: Stopped"


@dataclass(frozen=True)
class RollbackResult:
    plan: RollbackPlan
    steps: tuple[StepResult, ...]

    @property
    def ok(self) -> bool:
        return all(result.final in DONE[self.plan.remedy] for result in self.steps)


class RollbackRunner:
    """Calls each step's API and follows it to its end, reporting progress."""

    def __init__(self, clients: Callable[[str, str], Any], on_event: Callable[[Any], None],
                 backoff: Callable[[], Backoff] = Backoff, clock: Callable[[], float] = time.monotonic, max_wait: float = 3 * 3600) -> None:
        self.clients = clients  # (account, service) -> pipekit aws wrapper
        self.on_event = on_event
        self.backoff = backoff
        self.clock = clock
        self.max_wait = max_wait
        self._sent = False  # whether the current step's call was answered (what Ctrl-C leaves)

    def run(self, rollback: RollbackPlan) -> RollbackResult:
        done: list[StepResult] = []
        for step in rollback.steps:
            self._sent = False
            try:
                done.append(self._run_step(step))
            except KeyboardInterrupt:
                raise Interrupted(_interrupted(rollback, done, step, self._sent)) from None
        return RollbackResult(rollback, tuple(done))

    def _asked(self) -> None:
        """The step's call was answered: AWS carries it on, followed or not."""
        self._sent = True

    def _run_step(self, step: Step) -> StepResult:
        service, _ = step.api.split(":")
        run = {
            "codedeploy:StopDeployment": self._stop_deployment,
            "cloudformation:CancelUpdateStack": self._stack_remedy,
            "cloudformation:ContinueUpdateRollback": self._stack_remedy,
            "cloudformation:RollbackStack": self._stack_remedy,
            "cloudformation:DeleteStack": self._stack_remedy,
            "codepipeline:RollbackStage": self._rollback_stage,
        }.get(step.api)
        if run is None:
            raise PipekitError(f"unknown step {step.api}")
        with aws_errors(step.account):  # an error names the account that answered
            return run(step, self.clients(step.account, service))

    def _stop_deployment(self, step: Step, codedeploy: Any) -> StepResult:
        deployment = step.params["deploymentId"]
        answer = codedeploy.stop_deployment(step.params)
        self._asked()
        self.on_event(Progress(step, f"stopping {deployment}: {answer}"))
        final = self._poll(lambda: codedeploy.deployment(deployment).status, DEPLOYMENT_FINAL, step)
        return StepResult(step, final, f"deployment {deployment}: {final}")

    def _stack_remedy(self, step: Step, cf: Any) -> StepResult:
        stack = step.params["StackName"]  # a name, or (DeleteStack) the id
        marker = cf.latest_event_id(stack)
        operation = step.api.split(":")[1]
        if operation == "DeleteStack":
            cf.delete_stack(stack)
        else:
            method = {"CancelUpdateStack": "cancel_update_stack", "ContinueUpdateRollback": "continue_update_rollback",
                      "RollbackStack": "rollback_stack"}[operation]
            getattr(cf, method)(step.params)
        self._asked()
        final, _ = follow_stack(cf, stack, marker, self.on_event, self.backoff(), self.clock, self.max_wait)
        return StepResult(step, final.status, f"stack {step.target}: {final.status}")

    def _rollback_stage(self, step: Step, pipeline: Any) -> StepResult:
        execution = pipeline.rollback_stage(step.params)
        self._asked()
        self.on_event(Progress(step, f"rollback execution {execution} started"))
        name = step.params["pipelineName"]
        final = self._poll(lambda: pipeline.execution_status(name, execution), EXECUTION_FINAL, step)
        return StepResult(step, final, f"rollback execution {execution}: {final}")

    def _poll(self, read: Callable[[], str], final: tuple[str, ...], step: Step) -> str:
        backoff, deadline, last = self.backoff(), self.clock() + self.max_wait, ""
        while True:
            status = backoff.read(read)
            if status != last:
                self.on_event(Progress(step, f"{step.target}: {status}"))
                last = status
            if status in final:
                return status
            if self.clock() > deadline:
                raise PipekitError(f"{step.target} is still {status} after {self.max_wait / 60:.0f} minutes")
            backoff.wait()


def _interrupted(rollback: RollbackPlan, done: list[StepResult], step: Step, sent: bool) -> str:
    """What Ctrl-C left: each step done, the one it stopped, and those never started."""
    call = f"{step.api.split(':')[1]} on {step.target}"
    if sent:
        now = f"{call} was sent and goes on in AWS without pipekit"
    else:
        now = f"{call} was interrupted before AWS answered: it may or may not have been received"
    parts = [f"interrupted: {now}"]
    parts += [f"done: {result.description}" for result in done]
    later = rollback.steps[len(done) + 1:]
    if later:
        parts.append("not started: " + ", ".join(f"{s.api.split(':')[1]} on {s.target}" for s in later))
    parts.append(f"see where it stands with `pipekit status --env {rollback.env}`")
    return "; ".join(parts)
