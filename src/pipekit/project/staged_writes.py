"""All-or-nothing writing of several files: every new content goes to a temporary file
next to its target first (where a full disk, a read-only folder or a path that became a
directory shows up), and only when all of them are written are they renamed into place.
A rename within one folder needs no space and replaces the file whole, so no target is
ever half-written, and a failure before the renames changes nothing at all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable, Union

from pipekit.errors import PipekitError


class WriteFailed(PipekitError):
    """A file could not be written (disk full, read-only folder, a directory in the way)."""


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


class StagedWrites:
    def __init__(self) -> None:
        self._staged: list[tuple[str, Path]] = []  # (temporary file, target)

    def stage(self, path: Path, content: Union[str, bytes]) -> None:
        """Write `content` next to `path` (the file a symlink points to, for a link)."""
        target = Path(os.path.realpath(path))
        try:
            if target.is_dir():
                raise WriteFailed(f"{path}: a directory is in the way of the file pipekit writes there; move it, then render again")
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        except OSError as exc:
            raise WriteFailed(f"{path}: cannot write: {_reason(exc)}") from None
        self._staged.append((tmp, target))
        try:
            if isinstance(content, bytes):
                with os.fdopen(fd, "wb") as binary:
                    binary.write(content)
            else:
                with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                    handle.write(content)
            # mkstemp makes files private; give the file the mode it had, or the usual one.
            os.chmod(tmp, target.stat().st_mode & 0o777 if target.exists() else 0o666 & ~_umask())
        except OSError as exc:
            raise WriteFailed(f"{path}: cannot write: {_reason(exc)}") from None

    def commit(self, on_done: Callable[[Path], None] = lambda path: None) -> None:
        """Rename every staged file into place; `on_done` hears of each one renamed."""
        pending = list(self._staged)
        while pending:
            tmp, target = pending[0]
            try:
                os.replace(tmp, target)
            except OSError as exc:
                raise WriteFailed(f"{target}: cannot replace: {_reason(exc)}") from None
            pending.pop(0)
            self._staged.remove((tmp, target))
            on_done(target)

    def abort(self) -> None:
        """Remove every staged file not renamed into place."""
        for tmp, _ in self._staged:
            Path(tmp).unlink(missing_ok=True)
        self._staged.clear()
