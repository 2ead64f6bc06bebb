"""Start-up benchmark: `pipekit --help` against `python -c "import boto3"`, in one run.

Both are timed alternately on the same interpreter so that machine noise hits both
alike; the ratio of medians is what counts. Target: pipekit --help under 0.6 of boto3's
import. Exit 1 when the target is missed.

    python bench/startup.py [--runs 15] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

TARGET = 0.6
COMMANDS = {
    "pipekit --help": [sys.executable, "-m", "pipekit", "--help"],
    "import boto3": [sys.executable, "-c", "import boto3"],
}


def time_once(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args()

    for command in COMMANDS.values():  # warm the file cache before measuring
        time_once(command)
    samples: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(args.runs):
        for name, command in COMMANDS.items():
            samples[name].append(time_once(command))

    medians = {name: statistics.median(values) for name, values in samples.items()}
    ratio = medians["pipekit --help"] / medians["import boto3"]
    result = {
        "runs": args.runs,
        "median_seconds": {name: round(value, 4) for name, value in medians.items()},
        "ratio": round(ratio, 3),
        "target": TARGET,
        "ok": ratio < TARGET,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for name, value in medians.items():
            print(f"{name:>16}: {value * 1000:7.1f} ms (median of {args.runs})")
        print(f"{'ratio':>16}: {ratio:.2f} (target < {TARGET})  {'OK' if result['ok'] else 'MISSED'}")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
