"""`changeset show` benchmark: a change set of 1,000 changes in a local moto server, shown
off a terminal (the default `table` format, which is plain lines there) against
`--format json` of the same change set, fresh processes, A/B interleaved, medians with
the min-max spread, and the bytes each printed. Target: table at most as slow as JSON
(ratio <= 1.0, within the noise stated).

--before SRC adds the pipekit at SRC (a checkout's src/) for before/after figures.

    python bench/changeset.py [--runs 5] [--before ../main/src] [--json]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import moto_world
from timing import SRC, bench_arguments, interleaved

CHANGES = 1000
TARGET = 1.0
STACK, CHANGE_SET = "bench-big", "pipekit-bench"


def big_template(count: int) -> str:
    return "Resources:\n" + "".join(f"  Queue{n:04d}:\n    Type: AWS::SQS::Queue\n" for n in range(count))


def main() -> int:
    args = bench_arguments(__doc__)

    server, endpoint = moto_world.start_moto()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            aws = moto_world.write_profiles(endpoint, work, 1)
            (work / "pipekit.yaml").write_text(moto_world.config_text(1))
            cf = aws.client(moto_world.account_id(1), "cloudformation")
            cf.create_change_set(StackName=STACK, ChangeSetName=CHANGE_SET, TemplateBody=big_template(CHANGES), ChangeSetType="CREATE")
            env = moto_world.process_env(endpoint, work)
            sources = {"after": SRC, **({"before": args.before.resolve()} if args.before else {})}
            base = [sys.executable, "-m", "pipekit", "changeset", "show", "--account", "env01", "--stack", STACK, "--name", CHANGE_SET]
            formats = {"table": [], "json": ["--format", "json"]}
            ways = {f"{label} {fmt}": (lambda _round, src=src, extra=extra: (base + extra, {**env, "PYTHONPATH": str(src)}, str(work)))
                    for label, src in sources.items() for fmt, extra in formats.items()}
            sizes = {}
            for name, make in ways.items():
                command, process_env, cwd = make(0)
                sizes[name] = len(subprocess.run(command, env=process_env, cwd=cwd, capture_output=True, check=True).stdout)
            rows = interleaved(ways, args.runs)
    finally:
        server.stop()

    ratios = {label: round(rows[f"{label} table"]["median_s"] / rows[f"{label} json"]["median_s"], 2) for label in sources}
    result = {"runs": args.runs, "changes": CHANGES, "rows": rows, "bytes": sizes, "table_to_json": ratios, "ok": ratios["after"] <= TARGET}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for name, row in rows.items():
            print(f"  {name:>12}: {row['median_s']:6.2f} s median ({row['min_s']:.2f}-{row['max_s']:.2f}), "
                  f"{row['max_rss_mib']:.0f} MiB, {sizes[name] / 1e6:.2f} MB printed")
        for label, value in ratios.items():
            print(f"{label}: table / json = {value}x (target <= {TARGET})")
        print("target:", "OK" if result["ok"] else "MISSED")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
