"""Cross-account sanity of a pipekit.yaml: ids, role ARNs and the source connection must
agree with each other before any AWS call is made in the wrong account or region."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from pipekit.config.models import Config


def account_problems(cfg: "Config", build_id: Optional[str]) -> list[tuple[tuple, str]]:
    """Problems with the accounts and the connection, each with the key path it concerns."""
    problems: list[tuple[tuple, str]] = []
    first: dict[str, str] = {}
    for name, account in cfg.accounts.items():
        other = first.setdefault(account.id, name)
        if other != name:
            problems.append((
                ("accounts", name, "id"),
                f"accounts {other!r} and {name!r} share id {account.id}; expected one entry per AWS account "
                "(environments may share an entry)",
            ))
        if account.role_arn and _arn_account(account.role_arn) != account.id:
            problems.append((
                ("accounts", name, "role_arn"),
                f"role_arn of account {name!r} is in account {_arn_account(account.role_arn)}; expected a role in {account.id}, "
                "the account it reaches",
            ))
    arn = cfg.source.connection_arn
    if arn:
        region, owner = arn.split(":")[3:5]
        if region != cfg.region:
            problems.append((
                ("source", "connection_arn"),
                f"connection_arn is in region {region}; expected one in {cfg.region}, the pipeline's region (connections are regional)",
            ))
        if build_id and owner != build_id:
            problems.append((
                ("source", "connection_arn"),
                f"connection_arn belongs to account {owner}; expected one in the build account {build_id}, which runs the pipeline",
            ))
    return problems


def _arn_account(arn: str) -> str:
    return arn.split(":")[4]
