"""AWS regions as botocore's endpoint data lists them: never a list typed in here."""

from __future__ import annotations

import difflib
import importlib.util
import json
from functools import lru_cache
from pathlib import Path
from typing import Optional


@lru_cache(maxsize=1)
def known_regions() -> frozenset[str]:
    """Every region of every partition (aws, aws-cn, aws-us-gov, ...) in endpoints.json."""
    return frozenset(region for partition in _endpoints()["partitions"] for region in partition["regions"])


def region_problem(region: str) -> Optional[str]:
    """Why a region is not one AWS has, with the nearest that is; None when it is fine."""
    known = known_regions()
    if region in known:
        return None
    close = difflib.get_close_matches(region, sorted(known), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"expected an AWS region such as eu-west-1 (one of botocore's {len(known)}), got {region!r}{hint}"


def dns_suffix(region: str) -> str:
    """The domain of the region's partition (amazonaws.com, amazonaws.com.cn, ...)."""
    import re

    for partition in _endpoints()["partitions"]:
        if region in partition["regions"] or re.match(partition["regionRegex"], region):
            return partition["dnsSuffix"]
    return "amazonaws.com"


def _endpoints() -> dict:
    # Read botocore's data file where it lies: importing botocore for its loader costs about
    # 150 ms that render and validate do not otherwise pay. The loader is the fallback in
    # case a botocore release moves or compresses the file.
    spec = importlib.util.find_spec("botocore")
    if spec is not None and spec.origin:
        try:
            return json.loads((Path(spec.origin).parent / "data" / "endpoints.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass
    from botocore.loaders import create_loader

    return create_loader().load_data("endpoints")
