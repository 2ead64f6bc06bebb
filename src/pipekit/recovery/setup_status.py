"""pipekit status's setup section: pipekit's own stacks in every account, in the order a
first setup deploys them, and which are still to deploy. Tolerant like the rest of
status: a stack that cannot be read is listed with the reason, never counted missing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipekit.recovery.observe import Clients
from pipekit.release import overlap
from pipekit.release.polling import Backoff
from pipekit.release.setup import SetupStack, in_place, setup_order

if TYPE_CHECKING:
    from pipekit.config.models import Config


def setup_status(cfg: Config, clients: Clients) -> dict[str, Any]:
    stacks: list[dict[str, Any]] = []
    errors: list[str] = []
    to_deploy: list[dict[str, str]] = []
    order = setup_order(cfg)

    def read(step: SetupStack) -> Any:
        try:
            # When AWS still throttles after botocore's retries, wait and read again, as the rest of status does.
            return Backoff().read(lambda: clients(step.account, "cloudformation").describe_stack(step.stack))
        except Exception as exc:  # partial access: say what is missing and why, go on
            return exc

    # One stack per account (the build account's two aside): their round trips overlap.
    answers = overlap.together(*[lambda step=step: read(step) for step in order], at_most=overlap.ACCOUNTS_AT_ONCE)
    for step, stack in zip(order, answers):
        entry: dict[str, Any] = {"account": step.account, "account_id": cfg.account_id(step.account), "stack": step.stack,
                                 "what": step.what, "status": None, "in_place": False}
        if isinstance(stack, Exception):
            errors.append(f"{step.stack} in {step.account}: {stack}")
            entry["in_place"] = None  # unknown
            stacks.append(entry)
            continue
        entry["status"] = stack.status if stack else None
        entry["in_place"] = in_place(entry["status"])
        stacks.append(entry)
        if not entry["in_place"]:
            to_deploy.append({"account": step.account, "stack": step.stack, "command": step.command})
    return {"stacks": stacks, "to_deploy": to_deploy, "errors": errors}
