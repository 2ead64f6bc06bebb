"""A stand-in `dotnet` for tests (no .NET SDK here): put on PATH, it appends its arguments
to the file named by STAND_IN_DOTNET_LOG (one JSON list per call) and, for `publish`,
writes an output folder whose assembly's bytes are a digest of the project folder's
sources, so a changed source file changes the package, as a real build would.
STAND_IN_DOTNET_FAIL=1 makes it fail like a compile error."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

SCRIPT = '''#!{python}
import hashlib, json, os, sys
from pathlib import Path
args = sys.argv[1:]
with open(os.environ["STAND_IN_DOTNET_LOG"], "a") as log:
    log.write(json.dumps(args) + "\\n")
if os.environ.get("STAND_IN_DOTNET_FAIL"):
    print("Program.cs(3,1): error CS1002: ; expected")
    sys.exit(1)
if args[:1] == ["publish"]:
    project = Path(args[1])
    digest = hashlib.sha256()
    for source in sorted(p for p in project.parent.rglob("*") if p.is_file() and "bin" not in p.parts and "obj" not in p.parts):
        digest.update(source.read_bytes())
    out = Path(args[args.index("--output") + 1])
    out.mkdir(parents=True, exist_ok=True)
    (out / (project.stem + ".dll")).write_text(digest.hexdigest())
    (out / (project.stem + ".runtimeconfig.json")).write_text("{{}}")
    print(project.stem + " -> " + str(out))
'''


def install(bin_dir: Path, log: Path, monkeypatch) -> Path:
    """Put the stand-in first on PATH; calls are recorded in `log`."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    script = bin_dir / "dotnet"
    script.write_text(SCRIPT.format(python=sys.executable))
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("STAND_IN_DOTNET_LOG", str(log))
    log.write_text("")
    return script


def calls(log: Path) -> list[list[str]]:
    import json

    return [json.loads(line) for line in log.read_text().splitlines() if line]
