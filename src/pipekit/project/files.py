"""Writing rendered files without losing anything the user wrote.

pipekit records the hash of every file it writes in .pipekit/manifest.json. On the next
render a file is updated only when it still has the content pipekit wrote; a file the
user edited (or one pipekit never wrote) is skipped unless forced."""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Optional

from pipekit.errors import PipekitError

MANIFEST = Path(".pipekit") / "manifest.json"


class Outcome(str, Enum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"  # the user changed it since pipekit wrote it
    OBSOLETE = "obsolete"  # pipekit wrote it before, the config no longer renders it


@dataclass(frozen=True)
class FileResult:
    path: str
    outcome: Outcome
    reason: str = ""
    diff: str = ""  # for skipped files: what pipekit would write instead


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_manifest(root: Path) -> dict[str, str]:
    path = root / MANIFEST
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return dict(data.get("files", {}))
    except (OSError, ValueError, AttributeError) as exc:
        raise PipekitError(f"{path}: unreadable ({exc}); delete it to let pipekit start a new record") from None


def plan_writes(root: Path, rendered: dict[str, str], force: bool = False) -> list[FileResult]:
    """Decide, for every rendered file, what writing it would do. Touches nothing."""
    manifest = read_manifest(root)
    results: list[FileResult] = []
    for rel, text in rendered.items():
        target = root / rel
        if not target.exists():
            results.append(FileResult(rel, Outcome.CREATED))
            continue
        current = target.read_text(encoding="utf-8", errors="replace")
        if current == text:
            results.append(FileResult(rel, Outcome.UNCHANGED))
            continue
        recorded = manifest.get(rel)
        if force or recorded == _digest(current):
            results.append(FileResult(rel, Outcome.UPDATED, "overwritten (--force)" if force and recorded != _digest(current) else ""))
            continue
        reason = "edited since pipekit wrote it" if recorded else "not written by pipekit"
        diff = "".join(
            difflib.unified_diff(
                current.splitlines(keepends=True), text.splitlines(keepends=True), f"{rel} (yours)", f"{rel} (pipekit)"
            )
        )
        results.append(FileResult(rel, Outcome.SKIPPED, f"{reason}; use --force to overwrite", diff))
    for rel in sorted(set(manifest) - set(rendered)):
        if (root / rel).exists():
            results.append(FileResult(rel, Outcome.OBSOLETE, "no longer rendered by this config; delete it if unused"))
    return results


def apply_writes(root: Path, rendered: dict[str, str], results: list[FileResult]) -> None:
    """Write what plan_writes decided and record the hashes of what pipekit now owns."""
    manifest = read_manifest(root)
    for result in results:
        if result.outcome in (Outcome.CREATED, Outcome.UPDATED):
            _atomic_write(root / result.path, rendered[result.path])
        if result.outcome in (Outcome.CREATED, Outcome.UPDATED, Outcome.UNCHANGED):
            manifest[result.path] = _digest(rendered[result.path])
    record = {"pipekit": 1, "files": dict(sorted(manifest.items()))}
    _atomic_write(root / MANIFEST, json.dumps(record, indent=2) + "\n")


def write_new_file(path: Path, text: str) -> Optional[str]:
    """Create a file that must not exist yet; returns a reason when it does."""
    if path.exists():
        return f"{path} already exists"
    _atomic_write(path, text)
    return None


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _atomic_write(path: Path, text: str) -> None:
    # A crash mid-write must never leave a half-written template behind.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        # mkstemp makes files private; give the file the mode it had, or the usual one.
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
