"""Deploy benchmark: one small stack against a local moto server, three ways in one run.

  pipekit      pipekit deploy --template ... --stack-name ... --yes
  awscli       aws cloudformation deploy (its own virtualenv: awscli pins botocore)
  boto3        bench/boto3_deploy.py: create change set, poll, execute, poll

Each is a fresh process per run, runs interleaved, medians compared. Target: pipekit's
median within 1.3x of the boto3 script's. Exit 1 when missed.

Scenarios, each reported with medians and the min-max spread:
  async    moto holds each change set in CREATE_PENDING for 1 s and each stack in
           CREATE_IN_PROGRESS for 2 s, as CloudFormation takes time for real (a small
           stack takes tens of seconds in AWS). Polling strategy shows here. The target
           is checked on this scenario.
  instant  moto as it is: everything completes inside the API call, so only process
           start-up and the number of calls differ (pipekit also validates its config
           and checks the account id with STS before changing anything).
  100ms    moto as it is, behind bench/latency_proxy.py: every response 100 ms late, so
           each round trip on the critical path counts.

--before SRC adds the pipekit at SRC (a checkout's src/) for before/after figures;
--scenarios picks some (default: all); --no-awscli leaves awscli out.

    python bench/deploy.py [--runs 7] [--scenarios instant,100ms] [--before ../main/src] [--no-awscli] [--json]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Optional

from latency_proxy import LatencyProxy
from timing import SRC, interleaved, run_once

HERE = Path(__file__).resolve().parent
TARGET = 1.3
ACCOUNT = "123456789012"  # moto's default account, reached with any test credentials
TEMPLATE = """\
Resources:
  Queue:
    Type: AWS::SQS::Queue
  Topic:
    Type: AWS::SNS::Topic
Outputs:
  QueueUrl:
    Value: !Ref Queue
"""
CONFIG = f"""\
project: bench
region: eu-west-1
accounts:
  build: {{id: "111111111111"}}
  dev: {{id: "{ACCOUNT}"}}
source: {{provider: codecommit, repository: bench}}
build: {{projects: [src/Bench/Bench.csproj]}}
service:
  functions: [{{name: Bench, project: src/Bench/Bench.csproj}}]
environments:
  - {{name: dev, account: dev}}
"""


def awscli() -> str:
    """The aws command: PIPEKIT_AWSCLI, one on PATH, or one installed in .venv-awscli."""
    if os.environ.get("PIPEKIT_AWSCLI"):
        return os.environ["PIPEKIT_AWSCLI"]
    venv = HERE.parent / ".venv-awscli"
    if not (venv / "bin" / "aws").exists():
        found = shutil.which("aws")
        if found:
            return found
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "awscli"], check=True)
    return str(venv / "bin" / "aws")


def make_moto_asynchronous(change_set_seconds: float, stack_seconds: float) -> None:
    """Give moto's instant change sets and stacks the pending time CloudFormation has."""
    import threading

    from moto.cloudformation.models import CloudFormationBackend

    create, execute = CloudFormationBackend.create_change_set, CloudFormationBackend.execute_change_set

    def create_change_set(self, *args, **kwargs):
        change_set_id, stack_id = create(self, *args, **kwargs)
        change_set = self.change_sets[change_set_id]
        final = change_set.status
        change_set.status = "CREATE_PENDING"
        threading.Timer(change_set_seconds, setattr, (change_set, "status", final)).start()
        return change_set_id, stack_id

    def execute_change_set(self, change_set_name, stack_name=None):
        execute(self, change_set_name, stack_name)
        for stack in self.stacks.values():
            if stack.name == stack_name and stack.status.endswith("_COMPLETE"):
                final = stack.status
                stack.status = final.replace("_COMPLETE", "_IN_PROGRESS")
                threading.Timer(stack_seconds, setattr, (stack, "status", final)).start()

    CloudFormationBackend.create_change_set = create_change_set
    CloudFormationBackend.execute_change_set = execute_change_set


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


SCENARIOS = ("instant", "100ms", "async")  # async last: it patches moto for good


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--before", type=Path, help="a pipekit src/ folder to compare against")
    parser.add_argument("--no-awscli", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    chosen = [s for s in SCENARIOS if s in args.scenarios.split(",")]
    results = {name: measure(args.runs, name, args.before, not args.no_awscli) for name in chosen}
    result = {"runs": args.runs, "target": TARGET, **results, "ok": all(r["ok"] for r in results.values())}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for name, scenario in results.items():
            print(f"{name}:")
            for tool, row in scenario["rows"].items():
                print(f"  {tool:>14}: {row['median_s'] * 1000:6.0f} ms median ({row['min_s'] * 1000:.0f}-{row['max_s'] * 1000:.0f}), "
                      f"{scenario['calls'][tool]} calls, {scenario['ratio_to_boto3'][tool]:.2f}x boto3")
            print(f"  pipekit within {TARGET}x of boto3: {'OK' if scenario['ok'] else 'MISSED'}")
    return 0 if result["ok"] else 1


def measure(runs: int, scenario: str, before: Optional[Path], with_awscli: bool) -> dict:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log
    asynchronous = scenario == "async"
    if asynchronous:
        make_moto_asynchronous(change_set_seconds=1.0, stack_seconds=2.0)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    # Every scenario goes through the proxy (delay 0 but for 100ms), which counts the calls.
    proxy = LatencyProxy(f"http://127.0.0.1:{port}", 0.1 if scenario == "100ms" else 0.0).start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            (work / "pipekit.yaml").write_text(CONFIG)
            (work / "small.yaml").write_text(TEMPLATE)
            env = {
                **os.environ,
                "AWS_ENDPOINT_URL": proxy.url,
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_DEFAULT_REGION": "eu-west-1",
                "AWS_REGION": "eu-west-1",
                "AWS_CONFIG_FILE": str(work / "none"),
                "AWS_SHARED_CREDENTIALS_FILE": str(work / "none"),
                "AWS_PAGER": "",
                "PIPEKIT_CACHE_DIR": str(work / "pipekit-cache"),  # the user's own cache stays untouched
            }
            env.pop("AWS_PROFILE", None)
            sources = {"pipekit": SRC, **({"pipekit before": before.resolve()} if before else {})}
            ways = {name: (lambda n, name=name, src=src: ([sys.executable, "-m", "pipekit", "deploy", "--account", "dev", "--template", "small.yaml",
                                                           "--stack-name", f"{name.replace(' ', '-')}-{n}-{scenario}", "--yes"],
                                                          {**env, "PYTHONPATH": str(src)}, str(work)))
                    for name, src in sources.items()}
            if with_awscli:
                aws = awscli()
                ways["awscli"] = lambda n: ([aws, "cloudformation", "deploy", "--template-file", "small.yaml", "--stack-name", f"awscli-{n}-{scenario}"], env, str(work))
            ways["boto3"] = lambda n: ([sys.executable, str(HERE / "boto3_deploy.py"), "small.yaml", f"boto3-{n}-{scenario}"], env, str(work))
            calls = {}
            for name, make in ways.items():  # one counted run each, not timed
                counted = proxy.requests
                run_once(*make("count"))
                calls[name] = proxy.requests - counted
            rows = interleaved(ways, runs)
    finally:
        proxy.stop()
        server.stop()

    ratios = {name: rows[name]["median_s"] / rows["boto3"]["median_s"] for name in rows}
    return {"rows": rows, "calls": calls, "ratio_to_boto3": {k: round(v, 2) for k, v in ratios.items()}, "ok": ratios["pipekit"] <= TARGET}


if __name__ == "__main__":
    sys.exit(main())
