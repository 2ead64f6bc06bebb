"""The validated form of a pipekit.yaml, kept between commands so that a command whose
config has not changed since it was last validated reads it without pydantic (about
0.15 s of every deploy, status or approve), as Python keeps compiled modules.

One file per config (by its absolute path) in pipekit's cache folder, holding the key it
was made for: the config's text, the source of the code that validated it (this package)
and the versions of the data that code reads (botocore's regions and API limits,
pydantic, Python). Any change of those is a miss and validates again. A cache that cannot
be read or written is only slower, never an error; nothing invalid is ever kept."""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import sys
import tempfile
import time
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

from pipekit.config import plain

FORMAT = 1
# Snapshots of configs not written for this long are removed when another is written: a
# project checked out at a new path each time (CI) leaves one behind per path.
MAX_AGE_SECONDS = 30 * 24 * 3600


def cache_dir() -> Path:
    """PIPEKIT_CACHE_DIR, else the XDG cache folder's pipekit/config."""
    if os.environ.get("PIPEKIT_CACHE_DIR"):
        return Path(os.environ["PIPEKIT_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pipekit" / "config"


def key(text: str) -> str:
    """What a saved config must have been validated from, as one hash."""
    digest = hashlib.sha256(_validator_fingerprint().encode())
    digest.update(text.encode("utf-8"))
    return digest.hexdigest()


@lru_cache(maxsize=1)
def _validator_fingerprint() -> str:
    parts = [f"format {FORMAT}", sys.version]
    package = Path(__file__).parent
    for source in sorted(package.glob("*.py")):
        parts.append(hashlib.sha256(source.read_bytes()).hexdigest())
    for name, data_file in (("botocore", "__init__.py"), ("pydantic", "version.py")):
        spec = importlib.util.find_spec(name)  # found, not imported
        if spec is not None and spec.origin:
            try:
                stat = (Path(spec.origin).parent / data_file).stat()
                parts.append(f"{name} {stat.st_size} {stat.st_mtime_ns}")
            except OSError:
                parts.append(f"{name} unknown")
    return "\n".join(parts)


def _file_for(config_path: Path) -> Path:
    name = hashlib.sha256(str(config_path.resolve()).encode()).hexdigest()[:32]
    return cache_dir() / f"{name}.json"


def read(config_path: Path, text: str) -> Optional[Any]:
    """The plain config saved for this text by this code, or None."""
    try:
        saved = json.loads(_file_for(config_path).read_text(encoding="utf-8"))
        if saved.get("key") != key(text):
            return None
        return plain.from_data(saved["config"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def write(config_path: Path, text: str, data: Any) -> None:
    """Keep `data` (plain.to_data of a validated config) for the next command; quietly
    not when the folder is not writable or a value is not JSON (a YAML date, say)."""
    try:
        body = json.dumps({"key": key(text), "config": data}, ensure_ascii=False)
    except (TypeError, ValueError):
        return
    target = _file_for(config_path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(body)
        os.replace(tmp, target)  # whole or not at all: another command may be reading it
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        return
    _prune(target.parent, time.time() - MAX_AGE_SECONDS)


def _prune(folder: Path, older_than: float) -> None:
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            if entry.name.endswith((".json", ".tmp")) and entry.stat().st_mtime < older_than:
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
