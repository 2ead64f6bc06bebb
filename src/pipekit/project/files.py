"""Writing rendered files without losing anything the user wrote.

pipekit records the hash of every file it writes in .pipekit/manifest.json. On the next
render a file is updated only when it still has the content pipekit wrote; a file the
user edited (or one pipekit never wrote) is skipped unless forced, and then the user's
version is kept next to it. Writing is all-or-nothing (project/staged_writes.py): on any
write error nothing is replaced, and the manifest always matches what is on disk."""

from __future__ import annotations

import difflib
import hashlib
import json
import os
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Optional

from pipekit.errors import PipekitError
from pipekit.project.staged_writes import StagedWrites, WriteFailed

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
    backup: str = ""  # for a forced overwrite of the user's edit: where their version is kept


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
        if target.is_symlink() and not target.exists():
            results.append(FileResult(rel, Outcome.SKIPPED, f"a symlink to {os.readlink(target)}, which does not exist; pipekit writes through links, not broken ones"))
            continue
        if target.is_dir():
            raise WriteFailed(f"{target}: a directory is in the way of the file pipekit renders there; move it, then render again")
        through = f"written through the symlink to {os.path.realpath(target)}" if target.is_symlink() else ""
        if not target.exists():
            results.append(FileResult(rel, Outcome.CREATED))
            continue
        current = target.read_text(encoding="utf-8", errors="replace")
        if current == text:
            results.append(FileResult(rel, Outcome.UNCHANGED))
            continue
        recorded = manifest.get(rel)
        if recorded == _digest(current):
            results.append(FileResult(rel, Outcome.UPDATED, through))
            continue
        if force:
            backup = _backup_name(root, rel)
            reason = f"overwritten (--force); your version is kept in {backup}" + (f"; {through}" if through else "")
            results.append(FileResult(rel, Outcome.UPDATED, reason, backup=backup))
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


def _backup_name(root: Path, rel: str) -> str:
    """A free name next to the file: NAME.user-edited.bak, then NAME.user-edited.1.bak, ..."""
    candidate, n = f"{rel}.user-edited.bak", 0
    while (root / candidate).exists() or (root / candidate).is_symlink():
        n += 1
        candidate = f"{rel}.user-edited.{n}.bak"
    return candidate


def apply_writes(root: Path, rendered: dict[str, str], results: list[FileResult]) -> None:
    """Write what plan_writes decided and record the hashes of what pipekit now owns: all
    of it, or (WriteFailed) none of it. Backups of the user's edits are written first."""
    manifest = read_manifest(root)
    writes = [r for r in results if r.outcome in (Outcome.CREATED, Outcome.UPDATED)]
    final = dict(manifest)
    for result in results:
        if result.outcome in (Outcome.CREATED, Outcome.UPDATED, Outcome.UNCHANGED):
            final[result.path] = _digest(rendered[result.path])
    staged = StagedWrites()
    replaced: set[Path] = set()
    try:
        for result in writes:
            if result.backup:
                staged.stage(root / result.backup, (root / result.path).read_bytes())
        for result in writes:
            staged.stage(root / result.path, rendered[result.path])
        staged.stage(root / MANIFEST, _manifest_text(final))
        staged.commit(replaced.add)
    except WriteFailed:
        staged.abort()
        if replaced:  # a rename failed part-way: record exactly what is on disk now
            written = {r.path for r in writes}
            done = {r.path for r in writes if Path(os.path.realpath(root / r.path)) in replaced}
            partial = {rel: digest for rel, digest in final.items() if rel not in written or rel in done}
            partial.update({rel: manifest[rel] for rel in written - done if rel in manifest})
            _atomic_write(root / MANIFEST, _manifest_text(partial))
        raise


def _manifest_text(files: dict[str, str]) -> str:
    return json.dumps({"pipekit": 1, "files": dict(sorted(files.items()))}, indent=2) + "\n"


def write_new_file(path: Path, text: str) -> Optional[str]:
    """Create a file that must not exist yet; returns a reason when it does."""
    if path.exists():
        return f"{path} already exists"
    _atomic_write(path, text)
    return None


def _atomic_write(path: Path, text: str) -> None:
    # A crash mid-write must never leave a half-written file behind.
    staged = StagedWrites()
    try:
        staged.stage(path, text)
        staged.commit()
    finally:
        staged.abort()
