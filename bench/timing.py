"""Timing fresh processes side by side: A/B interleaved runs, medians, and the spread
(min-max) that says how noisy the machine was."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

SRC = Path(__file__).resolve().parents[1] / "src"  # the pipekit being measured


def bench_arguments(doc: str) -> argparse.Namespace:
    """--runs, --before SRC (a second pipekit to compare against, e.g. main's src/), --json."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--before", type=Path, help="a pipekit src/ folder to compare against")
    parser.add_argument("--json", action="store_true")
    return parser.parse_args()


@dataclass
class Samples:
    seconds: list[float] = field(default_factory=list)
    max_rss_mib: list[float] = field(default_factory=list)

    def summary(self) -> dict:
        return {
            "median_s": round(statistics.median(self.seconds), 3),
            "min_s": round(min(self.seconds), 3),
            "max_s": round(max(self.seconds), 3),
            "max_rss_mib": round(statistics.median(self.max_rss_mib), 1),
        }


# Peak RSS (ru_maxrss) carries over an exec: a command started by the bench itself would
# report the bench's own size (250 MiB and more once moto is loaded). Each command is
# started instead by this small process, started before anything big is imported.
_SPAWNER = r"""
import json, os, subprocess, sys, time
for line in sys.stdin:
    ask = json.loads(line)
    start = time.perf_counter()
    process = subprocess.Popen(ask["command"], env=ask["env"], cwd=ask["cwd"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = process.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(process.pid, 0)
    print(json.dumps({"seconds": time.perf_counter() - start, "max_rss_kib": usage.ru_maxrss,
                      "code": os.waitstatus_to_exitcode(status), "stderr": stderr}), flush=True)
"""
_spawner = subprocess.Popen([sys.executable, "-c", _SPAWNER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def run_once(command: list[str], env: dict[str, str], cwd: str) -> tuple[float, float]:
    """(wall seconds, peak RSS in MiB) of one fresh process; exits on failure."""
    _spawner.stdin.write(json.dumps({"command": command, "env": env, "cwd": cwd}) + "\n")
    _spawner.stdin.flush()
    done = json.loads(_spawner.stdout.readline())
    if done["code"] != 0:
        raise SystemExit(f"{' '.join(command)} exited {done['code']}:\n{done['stderr']}")
    return done["seconds"], done["max_rss_kib"] / 1024


def compile_sources(ways: dict[str, Callable[[int], tuple[list[str], dict[str, str], str]]]) -> None:
    """Byte-compile the source folders the ways run from (their PYTHONPATH), as pip does
    when it installs a wheel. Without it a pipekit run from a checkout compiles its own
    modules on every run where PYTHONDONTWRITEBYTECODE is set (about 40 ms of a deploy),
    while the libraries it is compared with load theirs compiled."""
    folders = {folder for make in ways.values() for folder in make(0)[1].get("PYTHONPATH", "").split(os.pathsep) if folder}
    for folder in sorted(folders):
        subprocess.run([sys.executable, "-m", "compileall", "-q", folder], check=True, stdout=subprocess.DEVNULL)


def interleaved(ways: dict[str, Callable[[int], tuple[list[str], dict[str, str], str]]], runs: int) -> dict[str, dict]:
    """Each way once per round, round after round; round 0 warms caches and is not counted."""
    compile_sources(ways)
    samples = {name: Samples() for name in ways}
    for round_ in range(runs + 1):
        for name, make in ways.items():
            seconds, rss = run_once(*make(round_))
            if round_:
                samples[name].seconds.append(seconds)
                samples[name].max_rss_mib.append(rss)
    return {name: s.summary() for name, s in samples.items()}
