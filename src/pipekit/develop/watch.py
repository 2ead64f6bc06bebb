"""Noticing source changes without a file-watching dependency: poll the files' times and
sizes, and call a change settled once nothing has moved for a quiet interval (an editor's
save, or a branch switch, touches many files within moments)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Optional, Protocol

from pipekit.errors import Interrupted, PipekitError
from pipekit.project import build_commands, names

if TYPE_CHECKING:
    from pipekit.config.models import Config
    from pipekit.develop.deploy import PersonalDeploy

Snapshot = dict[str, tuple[int, int]]  # path -> (mtime in ns, size)
IGNORED_DIRS = {"bin", "obj", ".git", ".vs", ".idea", "node_modules", "TestResults", build_commands.BUILD_DIR}


def watched_roots(cfg: Config, root: Path) -> list[Path]:
    """What a rebuild depends on: each function's project folder (its sources and the
    projects beside it are read by the build), the service template and the hooks."""
    roots = {root / fn.project_dir for fn in cfg.service.functions}
    roots.add(root / names.SERVICE_TEMPLATE)
    roots.add(root / names.HOOKS_DIR)
    return sorted(roots)


def _files(paths: Iterable[Path]) -> Iterable[Path]:
    for path in paths:
        if path.is_file():
            yield path
        elif path.is_dir():
            for child in path.iterdir():
                if child.is_dir() and child.name in IGNORED_DIRS:
                    continue
                yield from _files([child])


def snapshot(paths: Iterable[Path]) -> Snapshot:
    found: Snapshot = {}
    for file in _files(paths):
        try:
            stat = file.stat()
        except OSError:
            continue  # deleted between listing and reading: the next look sees it gone
        found[str(file)] = (stat.st_mtime_ns, stat.st_size)
    return found


def changed(before: Snapshot, after: Snapshot) -> list[str]:
    return sorted(path for path in before.keys() | after.keys() if before.get(path) != after.get(path))


def wait_for_change(
    take: Callable[[], Snapshot],
    before: Snapshot,
    *,
    poll: float = 0.5,
    quiet: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> tuple[Snapshot, list[str]]:
    """Block until the files differ from `before` and then stay still for `quiet`
    seconds; the settled snapshot and every path that changed."""
    current = before
    while True:
        sleep(poll)
        current = take()
        if changed(before, current):
            break
    settled_since: Optional[float] = clock()
    while clock() - settled_since < quiet:
        sleep(poll)
        later = take()
        if later != current:
            current, settled_since = later, clock()
    return current, changed(before, current)


class WatchReport(Protocol):
    """What a watch says as it goes (ui/dev.py's DevReporter)."""

    def round_done(self, done: Any) -> None: ...
    def watching(self, roots: list[str]) -> None: ...
    def changes(self, paths: list[str]) -> None: ...
    def failed(self, message: str) -> None: ...


def keep_deploying(session: "PersonalDeploy", report: WatchReport) -> None:
    """Deploy now, then again after every settled change under the watched roots, until
    Ctrl-C while waiting (which returns: ending a watch is success). A failed round is
    reported and the watch goes on; Ctrl-C during a deploy, once settled, raises
    Interrupted (exit 130), as `pipekit deploy` does."""
    roots = watched_roots(session.cfg, session.root)
    take = lambda: snapshot(roots)  # noqa: E731
    try:
        before = take()
        _round(session, report)
        report.watching([str(p.relative_to(session.root)) for p in roots])
        while True:
            before, paths = wait_for_change(take, before)
            report.changes([str(p) for p in paths])
            _round(session, report)
    except KeyboardInterrupt:
        return


def _round(session: "PersonalDeploy", report: WatchReport) -> None:
    try:
        report.round_done(session.once())
    except Interrupted:
        raise
    except PipekitError as exc:
        report.failed(str(exc))
