"""The bundled examples `pipekit init --example` copies."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path
from typing import Optional

from pipekit.errors import UsageError
from pipekit.project.files import MANIFEST

# Build output and IDE state never belong in a new project.
IGNORED = shutil.ignore_patterns("bin", "obj", "build", "packaged.yaml", ".vs", "*.user", "__pycache__")


def available() -> list[str]:
    root = _root()
    return sorted(p.name for p in root.iterdir() if (p / "pipekit.yaml").is_file()) if root else []


def example_dir(name: str) -> Path:
    root = _root()
    if root is None or not (root / name / "pipekit.yaml").is_file():
        raise UsageError(f"no example named {name!r} (available: {', '.join(available()) or 'none'})")
    return root / name


def copy_example(name: str, destination: Path, rendered: frozenset[str] = frozenset()) -> None:
    """Copy the example's own files; those in `rendered` (paths relative to the example)
    and the render manifest are left for `render` to write, so that init reports them
    as created and records them as pipekit's."""
    source = example_dir(name)
    left_out = set(rendered) | {MANIFEST.as_posix()}

    def ignore(folder: str, entries: list[str]) -> set[str]:
        here = Path(folder).relative_to(source)
        return set(IGNORED(folder, entries)) | {e for e in entries if (here / e).as_posix() in left_out}

    shutil.copytree(source, destination, ignore=ignore, dirs_exist_ok=True)


def _root() -> Optional[Path]:
    # Installed wheel: shipped inside the package. Source checkout: the repository's examples/.
    packaged = Path(str(resources.files("pipekit"))) / "_examples"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[3] / "examples"
    return checkout if checkout.is_dir() else None
