"""Deploy benchmark: one small stack against a local moto server, three ways in one run.

  pipekit      pipekit deploy --template ... --stack-name ... --yes
  awscli       aws cloudformation deploy (its own virtualenv: awscli pins botocore)
  boto3        bench/boto3_deploy.py: create change set, poll, execute, poll

Each is a fresh process per run, runs interleaved, medians compared. Target: pipekit's
median within 1.3x of the boto3 script's. Exit 1 when missed.

Two scenarios, both reported:
  async    moto holds each change set in CREATE_PENDING for 1 s and each stack in
           CREATE_IN_PROGRESS for 2 s, as CloudFormation takes time for real (a small
           stack takes tens of seconds in AWS). Polling strategy shows here. The target
           is checked on this scenario.
  instant  moto as it is: everything completes inside the API call, so only process
           start-up and the number of calls differ (pipekit also validates its config
           and checks the account id with STS before changing anything).

    python bench/deploy.py [--runs 7] [--json]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def timed(command: list[str], env: dict[str, str], cwd: Path) -> float:
    start = time.perf_counter()
    completed = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if completed.returncode != 0:
        raise SystemExit(f"{' '.join(command[:3])} failed:\n{completed.stdout}\n{completed.stderr}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    instant = measure(args.runs, asynchronous=False)
    asynchronous = measure(args.runs, asynchronous=True)
    result = {"runs": args.runs, "target": TARGET, "instant": instant, "async": asynchronous, "ok": asynchronous["ok"]}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for name, scenario in (("instant", instant), ("async", asynchronous)):
            print(f"{name}:")
            for tool, seconds in scenario["median_seconds"].items():
                print(f"  {tool:>8}: {seconds * 1000:8.0f} ms median of {args.runs}   {scenario['ratio_to_boto3'][tool]:.2f}x boto3")
        print(f"pipekit within {TARGET}x of boto3 (async): {'OK' if result['ok'] else 'MISSED'}")
    return 0 if result["ok"] else 1


def measure(runs: int, asynchronous: bool) -> dict:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log
    aws = awscli()
    if asynchronous:
        make_moto_asynchronous(change_set_seconds=1.0, stack_seconds=2.0)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            (work / "pipekit.yaml").write_text(CONFIG)
            (work / "small.yaml").write_text(TEMPLATE)
            env = {
                **os.environ,
                "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_DEFAULT_REGION": "eu-west-1",
                "AWS_REGION": "eu-west-1",
                "AWS_CONFIG_FILE": str(work / "none"),
                "AWS_SHARED_CREDENTIALS_FILE": str(work / "none"),
                "AWS_PAGER": "",
            }
            env.pop("AWS_PROFILE", None)
            ways = {
                "pipekit": lambda n: [sys.executable, "-m", "pipekit", "deploy", "--account", "dev", "--template", "small.yaml",
                                      "--stack-name", f"pipekit-{n}-{int(asynchronous)}", "--yes"],
                "awscli": lambda n: [aws, "cloudformation", "deploy", "--template-file", "small.yaml", "--stack-name", f"awscli-{n}-{int(asynchronous)}"],
                "boto3": lambda n: [sys.executable, str(HERE / "boto3_deploy.py"), "small.yaml", f"boto3-{n}-{int(asynchronous)}"],
            }
            samples: dict[str, list[float]] = {name: [] for name in ways}
            for run in range(runs + 1):  # run 0 warms caches and is not counted
                for name, command in ways.items():
                    elapsed = timed(command(run), env, work)
                    if run:
                        samples[name].append(elapsed)
    finally:
        server.stop()

    medians = {name: statistics.median(values) for name, values in samples.items()}
    ratios = {name: medians[name] / medians["boto3"] for name in medians}
    return {
        "median_seconds": {k: round(v, 3) for k, v in medians.items()},
        "ratio_to_boto3": {k: round(v, 2) for k, v in ratios.items()},
        "ok": ratios["pipekit"] <= TARGET,
    }


if __name__ == "__main__":
    sys.exit(main())
