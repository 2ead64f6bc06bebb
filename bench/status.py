"""Status benchmark: `pipekit status` over 2 and 20 environments, each in its own account,
against a local moto server behind a latency proxy (bench/latency_proxy.py).

Rows, each measured in one run with its baseline, fresh processes, A/B interleaved,
medians with the min-max spread:
  no latency   20 environments against 2 (proxy delay 0).  Target: ratio <= 1.5.
  100 ms       20 environments, every AWS response 100 ms late.  Target: under 4 s.
Also reported: peak RSS, the number of AWS calls of one run of each, and the CPU the
stand-in (moto and the proxy, in this process) spent answering that run.

--before SRC adds the pipekit found at SRC (a checkout's src/) as a second A/B pair,
for before/after figures in the same run.

    python bench/status.py [--runs 5] [--before ../main/src] [--json]
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import moto_world
from latency_proxy import LatencyProxy
from timing import SRC, bench_arguments, interleaved, run_once

SCALE_TARGET = 1.5
LATENCY_TARGET = 4.0
MANY, FEW = 20, 2


def main() -> int:
    args = bench_arguments(__doc__)

    server, endpoint = moto_world.start_moto()
    proxy = LatencyProxy(endpoint, 0.0, moto_world.pipeline_answers(MANY)).start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            moto_world.build(endpoint, work, MANY)
            projects = {}
            for count in (FEW, MANY):
                projects[count] = work / f"p{count}"
                projects[count].mkdir()
                (projects[count] / "pipekit.yaml").write_text(moto_world.config_text(count))
            env = moto_world.process_env(proxy.url, work)
            sources = {"after": SRC, **({"before": args.before.resolve()} if args.before else {})}

            def way(src: Path, count: int):
                return lambda _round: ([sys.executable, "-m", "pipekit", "status"], {**env, "PYTHONPATH": str(src)}, str(projects[count]))

            calls, stand_in_cpu = {}, {}
            for label, src in sources.items():
                for count in (FEW, MANY):
                    before, cpu = proxy.requests, _own_cpu()
                    run_once(*way(src, count)(0))
                    calls[f"{label} {count} envs"] = proxy.requests - before
                    stand_in_cpu[f"{label} {count} envs"] = round(_own_cpu() - cpu, 2)
            proxy.delay = 0.0
            flat = interleaved({f"{label} {count} envs": way(src, count) for label, src in sources.items() for count in (FEW, MANY)}, args.runs)
            proxy.delay = 0.1
            slow = interleaved({f"{label} {count} envs": way(src, count) for label, src in sources.items() for count in (FEW, MANY)}, args.runs)
    finally:
        proxy.stop()
        server.stop()

    ratio = {label: round(flat[f"{label} {MANY} envs"]["median_s"] / flat[f"{label} {FEW} envs"]["median_s"], 2) for label in sources}
    result = {
        "runs": args.runs, "calls": calls, "stand_in_cpu_s": stand_in_cpu, "no_latency": flat, "latency_100ms": slow,
        "ratio_many_to_few": ratio,
        "ok": ratio["after"] <= SCALE_TARGET and slow[f"after {MANY} envs"]["median_s"] < LATENCY_TARGET,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for title, rows in (("no latency", flat), ("100 ms per response", slow)):
            print(f"{title}:")
            for name, row in rows.items():
                print(f"  {name:>16}: {row['median_s']:6.2f} s median ({row['min_s']:.2f}-{row['max_s']:.2f}), "
                      f"{row['max_rss_mib']:.0f} MiB, {calls[name]} calls, stand-in CPU {stand_in_cpu[name]:.2f} s")
        for label, value in ratio.items():
            print(f"{label}: {MANY} envs / {FEW} envs = {value}x (target <= {SCALE_TARGET})")
        print(f"after, {MANY} envs at 100 ms: {slow[f'after {MANY} envs']['median_s']:.2f} s (target < {LATENCY_TARGET} s)")
        print("targets:", "OK" if result["ok"] else "MISSED")
    return 0 if result["ok"] else 1


def _own_cpu() -> float:
    """CPU seconds of this process, which runs the stand-in (moto and the latency proxy)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    sys.exit(main())
