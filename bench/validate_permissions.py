"""Permission preflight benchmark: what the preflight adds to `pipekit validate`.

Renders the bundled example into a temporary folder, then times, in one run:
- `pipekit validate` as a user runs it (a fresh process, medians of --runs);
- in one warm process, validate_project and the preflight on the same parsed
  templates, alternately, so that machine noise hits both alike.
The preflight joins validate, which has already imported cfn-lint and the SAM
translator and parsed the templates; so the warm ratio preflight / validate is the
cost it adds. Target: under 1.0 (validate stays well under twice its time). Exit 1
when the target is missed.

    python bench/validate_permissions.py [--runs 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET = 1.0
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "dotnet-service" / "pipekit.yaml"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args()

    from cfnlint.decode.cfn_yaml import loads

    from pipekit.checks.permissions import preflight
    from pipekit.checks.validate import validate_project
    from pipekit.config import parse_config
    from pipekit.project import names
    from pipekit.project.render import render_all

    cfg = parse_config(EXAMPLE.read_text())
    files = render_all(cfg)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "pipekit.yaml").write_text(EXAMPLE.read_text())
        for rel, text in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text)
        cli: list[float] = []
        for _ in range(args.runs):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "pipekit", "validate"], cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            cli.append(time.perf_counter() - start)
        templates = {rel: loads(files[rel]) for rel in names.CLOUDFORMATION_TEMPLATES}
        validate_project(root, cfg)  # imports and caches, as in the CLI
        preflight(templates, cfg)
        warm = {"validate": [], "preflight": []}
        for _ in range(args.runs):
            start = time.perf_counter()
            validate_project(root, cfg)
            warm["validate"].append(time.perf_counter() - start)
            start = time.perf_counter()
            findings = preflight(templates, cfg)
            warm["preflight"].append(time.perf_counter() - start)
    result = {
        "pipekit validate (fresh process), s": round(statistics.median(cli), 3),
        "validate_project (warm), s": round(statistics.median(warm["validate"]), 3),
        "preflight (warm), s": round(statistics.median(warm["preflight"]), 3),
        "findings": len(findings),
    }
    ratio = result["preflight (warm), s"] / max(result["validate_project (warm), s"], 1e-9)
    result["preflight / validate"] = round(ratio, 2)
    result["target"] = TARGET
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key:40} {value}")
    return 0 if ratio < TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
