"""Validate benchmark: `pipekit validate` on the bundled example against `cfn-lint` on the
same four rendered templates, fresh processes, A/B interleaved, medians with the min-max
spread. Reported: `pipekit validate --only cfn-lint` (the like-for-like row; target
<= 1.1x cfn-lint) and `pipekit validate` with every check (cfn-lint, the SAM transform,
pipekit's rules, the permission preflight), which does more than cfn-lint does.

--before SRC adds the pipekit at SRC (a checkout's src/) for before/after figures.

    python bench/validate.py [--runs 5] [--before ../main/src] [--json]
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from timing import SRC, bench_arguments, interleaved

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "dotnet-service"
TARGET = 1.1


def main() -> int:
    args = bench_arguments(__doc__)
    sys.path.insert(0, str(SRC))
    from pipekit.project.names import CLOUDFORMATION_TEMPLATES

    cfn_lint = str(Path(sys.executable).with_name("cfn-lint"))
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "example"
        shutil.copytree(EXAMPLE, work)
        sources = {"after": SRC, **({"before": args.before.resolve()} if args.before else {})}
        ways = {"cfn-lint": lambda _round: ([cfn_lint, *CLOUDFORMATION_TEMPLATES], dict(os.environ), str(work))}
        for label, src in sources.items():
            env = {**os.environ, "PYTHONPATH": str(src), "PIPEKIT_CACHE_DIR": str(work.parent / "pipekit-cache")}
            validate = [sys.executable, "-m", "pipekit", "validate"]
            ways[f"{label} --only cfn-lint"] = lambda _r, env=env, cmd=validate: (cmd + ["--only", "cfn-lint"], env, str(work))
            ways[f"{label} all checks"] = lambda _r, env=env, cmd=validate: (cmd, env, str(work))
        rows = interleaved(ways, args.runs)

    base = rows["cfn-lint"]["median_s"]
    ratios = {name: round(row["median_s"] / base, 2) for name, row in rows.items()}
    result = {"runs": args.runs, "rows": rows, "ratio_to_cfn_lint": ratios, "ok": ratios["after --only cfn-lint"] <= TARGET}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for name, row in rows.items():
            print(f"  {name:>24}: {row['median_s']:6.2f} s median ({row['min_s']:.2f}-{row['max_s']:.2f}), {ratios[name]:.2f}x cfn-lint")
        print(f"target (--only cfn-lint <= {TARGET}x cfn-lint):", "OK" if result["ok"] else "MISSED")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
