"""SAM-generated resources under the SAM resource they came from, so that a change set
reads as the handful of things the template says rather than everything the transform
made of them.

The SAM translator names every resource it generates for a SAM resource with that
resource's logical id as prefix (`OrdersApiFunctionRole`, `OrdersApiFunctionAliaslive`,
`OrdersApiFunctionVersion97cb03babf`, `OrdersApiFunctionApiPermission`,
`OrdersApiFunctionDeploymentGroup`...). So a change belongs to a SAM resource when its
logical id is not written in the template itself and starts with that resource's logical
id (the longest such, should two nest). Resources shared by several (the CodeDeploy
application) stay on their own. Pure; tests check the rule against the translator's own
output for the example service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Mapping, Optional

if TYPE_CHECKING:  # review.py holds a SamTemplate: the import goes that way at run time
    from pipekit.release.review import Review, ReviewedChange

SAM_PREFIX = "AWS::Serverless::"


@dataclass(frozen=True)
class SamTemplate:
    """What the original (untransformed) templates say: SAM resources and written ids."""

    resources: Mapping[str, str]  # SAM logical id -> its type
    written: frozenset[str]  # every logical id the templates declare

    def owner(self, logical_id: str) -> Optional[str]:
        if logical_id in self.written:
            return None
        heads = [h for h in self.resources if logical_id.startswith(h) and logical_id != h]
        return max(heads, key=len) if heads else None


def sam_template(*originals: Optional[dict]) -> SamTemplate:
    resources: dict[str, str] = {}
    written: set[str] = set()
    for template in originals:
        for logical_id, resource in ((template or {}).get("Resources") or {}).items():
            written.add(logical_id)
            kind = resource.get("Type") if isinstance(resource, dict) else None
            if isinstance(kind, str) and kind.startswith(SAM_PREFIX):
                resources[logical_id] = kind
    return SamTemplate(resources, frozenset(written))


@dataclass(frozen=True)
class Item:
    """One line of a review: a change on its own, or a SAM resource with what it generated."""

    logical_id: str
    resource_type: str
    own: Optional["ReviewedChange"]  # the change of the resource itself (a SAM function's Lambda function)
    members: tuple["ReviewedChange", ...] = ()  # changes of resources the transform generated for it

    @property
    def changes(self) -> tuple["ReviewedChange", ...]:
        return ((self.own,) if self.own else ()) + self.members

    @property
    def grouped(self) -> bool:
        return bool(self.members)

    @property
    def action(self) -> str:
        if self.own:
            return self.own.change.action
        actions = {c.change.action for c in self.members}
        return actions.pop() if len(actions) == 1 else "Modify"

    @property
    def level(self) -> str:
        from pipekit.release.review import RISKS

        levels = {c.level for c in self.changes}
        return next((kind for kind in RISKS if kind in levels), "none")


def items(review: "Review") -> list[Item]:
    """The review's changes (this stack's, not nested ones) as items, in change-set order:
    a SAM resource's item stands where its first change does."""
    sam = review.sam or SamTemplate({}, frozenset())
    out: list[Item] = []
    index: dict[str, int] = {}
    for change in review.changes:
        logical_id = change.change.logical_id
        owner = sam.owner(logical_id)
        head = owner or (logical_id if logical_id in sam.resources else None)
        if head is None:
            out.append(Item(logical_id, change.change.resource_type, change))
            continue
        if head not in index:
            index[head] = len(out)
            out.append(Item(head, sam.resources[head], None))
        item = out[index[head]]
        out[index[head]] = (Item(head, item.resource_type, item.own, item.members + (change,)) if owner
                            else Item(head, item.resource_type, change, item.members))
    # A SAM resource whose generated resources do not change reads as its own change.
    return [i if i.members or not i.own else Item(i.logical_id, i.own.change.resource_type, i.own) for i in out]


def member_name(item: Item, change: "ReviewedChange") -> str:
    """A member's logical id without its SAM resource's prefix: Role, Aliaslive, Version97cb03babf."""
    logical_id = change.change.logical_id
    return logical_id[len(item.logical_id):] if logical_id.startswith(item.logical_id) and logical_id != item.logical_id else logical_id
