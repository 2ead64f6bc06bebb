"""Shared fixtures: the example's config and the variants the templates must hold for."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest
import yaml

from pipekit.config import Config, parse_config

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "dotnet-service"


def example_data() -> dict:
    return yaml.safe_load((EXAMPLE / "pipekit.yaml").read_text())


def one_environment() -> dict:
    data = example_data()
    data["accounts"].pop("prod")
    data["environments"] = [{"name": "dev", "account": "dev", "deployment": "AllAtOnce"}]
    return data


def three_environments() -> dict:
    data = example_data()
    data["accounts"]["staging"] = {"id": "444444444444", "profile": "orders-staging"}
    tests = data["environments"][0]["integration_tests"]
    data["environments"] = [
        {"name": "dev", "account": "dev", "deployment": "AllAtOnce", "integration_tests": tests},
        {"name": "staging", "account": "staging", "deployment": "Canary10Percent5Minutes", "integration_tests": tests, "approval": "manual"},
        {"name": "prod", "account": "prod", "deployment": "Linear10PercentEvery2Minutes", "approval": "manual"},
    ]
    return data


def codecommit_source() -> dict:
    data = example_data()
    data["source"] = {"provider": "codecommit", "repository": "orders", "branch": "trunk"}
    data["notifications"] = {"email": "releases@example.com"}
    return data


def other_region() -> dict:
    data = example_data()
    data["project"] = "billing-svc"
    data["region"] = "ap-southeast-2"
    data["source"]["connection_arn"] = data["source"]["connection_arn"].replace("eu-west-1", "ap-southeast-2")
    data["service"].pop("table")
    data["service"]["architecture"] = "arm64"
    data["service"]["functions"] = [
        {"name": "BillingApi", "project": "src/BillingApi/BillingApi.csproj"},
        {"name": "BillingAdmin", "project": "src/BillingAdmin/BillingAdmin.csproj", "api_path": "/admin/{proxy+}", "memory": 1024},
    ]
    data["build"]["projects"] = ["src/BillingApi/BillingApi.csproj", "src/BillingAdmin/BillingAdmin.csproj"]
    data["environments"][1]["gates"]["bake"]["alarms"] = ["Api5xxAlarm", "BillingApiErrorsAlarm"]  # its functions' alarms
    return data


VARIANTS = {
    "example": example_data,
    "one-environment": one_environment,
    "three-environments": three_environments,
    "codecommit": codecommit_source,
    "other-region": other_region,
}


def config_from(data: dict) -> Config:
    return parse_config(yaml.safe_dump(data, sort_keys=False))


@pytest.fixture
def example_config() -> Config:
    return config_from(example_data())


@pytest.fixture(params=sorted(VARIANTS))
def variant(request) -> tuple[str, Config]:
    return request.param, config_from(copy.deepcopy(VARIANTS[request.param]()))


def write_config(directory: Path, data: dict) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "pipekit.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def write_skeleton(directory: Path, data: dict) -> None:
    """The .NET projects the config names, as `pipekit init` writes them."""
    from pipekit.errors import ConfigError
    from pipekit.project import skeleton

    try:
        cfg = config_from(data)
    except ConfigError:
        return  # a config that does not load names no projects to write
    for rel, text in skeleton.files(cfg, skeleton.referenced(cfg)).items():
        (directory / rel).parent.mkdir(parents=True, exist_ok=True)
        (directory / rel).write_text(text)


@pytest.fixture(autouse=True, scope="session")
def config_cache(tmp_path_factory):
    """Validated configs are kept where the tests can see them, never in the home folder
    (config/snapshot.py); subprocesses inherit the variable."""
    folder = tmp_path_factory.mktemp("config-cache")
    with pytest.MonkeyPatch.context() as patcher:
        patcher.setenv("PIPEKIT_CACHE_DIR", str(folder))
        yield folder


@pytest.fixture(scope="session")
def moto_endpoint():
    """One moto server for the session, on a free 127.0.0.1 port; stopped at the end."""
    from moto.server import ThreadedMotoServer

    from moto_aws import free_port, patch_moto_cloudformation, patch_moto_sam_transform, register_stand_in_models

    patcher = pytest.MonkeyPatch()
    patch_moto_cloudformation(patcher)
    patch_moto_sam_transform(patcher)
    register_stand_in_models()
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
        patcher.undo()


@pytest.fixture
def moto_aws(moto_endpoint, tmp_path, monkeypatch):
    """A clean moto state and AWS config whose profiles reach the example's accounts."""
    import urllib.request

    from moto_aws import MotoAws, write_aws_config

    urllib.request.urlopen(urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST")).read()
    aws_dir = tmp_path / "aws"
    aws_dir.mkdir()
    data = example_data()
    write_aws_config(aws_dir / "config", {acct["profile"]: acct["id"] for acct in data["accounts"].values()})
    for variable in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(aws_dir / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(aws_dir / "credentials"))
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return MotoAws(moto_endpoint, aws_dir / "config")


@pytest.fixture(autouse=True)
def reads_in_order(monkeypatch):
    """A Stubber answers calls in the order they arrive: pipekit's overlapping reads
    (release/overlap.py) go one after the other in tests, in the order written.
    tests/test_review_overlap.py checks that they do overlap."""
    monkeypatch.setattr("pipekit.release.overlap.IN_ORDER", True)


GOLDEN = Path(__file__).parent / "golden"


def assert_golden(name: str, text: str) -> None:
    """Compare with tests/golden/NAME; PIPEKIT_UPDATE_GOLDEN=1 rewrites it on purpose."""
    path = GOLDEN / name
    if os.environ.get("PIPEKIT_UPDATE_GOLDEN"):
        path.write_text(text)
    assert path.exists(), f"no golden file {name}; create it with PIPEKIT_UPDATE_GOLDEN=1"
    assert text == path.read_text(), f"{name} changed; if intended, rerun with PIPEKIT_UPDATE_GOLDEN=1"


@pytest.fixture
def aws(monkeypatch):
    """Accounts whose clients are stubbed (see stubbed_aws.py), handed out by open_account."""
    from stubbed_aws import StubbedAws

    stubbed = StubbedAws()
    monkeypatch.setattr("pipekit.aws.sessions.open_account", stubbed.open_account)
    return stubbed


@pytest.fixture
def project(tmp_path):
    """A folder with the example's pipekit.yaml (nothing rendered)."""
    write_config(tmp_path, example_data())
    return tmp_path


def render_project(root: Path, data: dict) -> Path:
    """A project in `root` with this config, rendered by `pipekit render`."""
    from click.testing import CliRunner

    from pipekit.cli import main

    write_config(root, data)
    assert CliRunner().invoke(main, ["--config", str(root / "pipekit.yaml"), "render"]).exit_code == 0
    return root


@pytest.fixture
def rendered_example(tmp_path, moto_aws):
    """The example's project in orders/, rendered, with moto answering for its accounts."""
    return render_project(tmp_path / "orders", example_data())


@pytest.fixture(scope="session")
def front(moto_endpoint):
    """The fault-injecting layer of fault_layer.py in front of moto, on its own port."""
    from fault_layer import Front

    server = Front()
    yield server
    server.stop()


@pytest.fixture
def faults(front, moto_aws, monkeypatch):
    """A fresh fault layer in front of a reset moto; botocore's retry pauses cut to
    1 ms (the tests count attempts, not seconds)."""
    from botocore.retries import standard

    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0.001)
    monkeypatch.setenv("AWS_ENDPOINT_URL", front.endpoint)
    return front.fresh()


@pytest.fixture
def queue_project(tmp_path):
    """The example's pipekit.yaml and queue.yaml, a one-queue template (QueueName, default
    "jane"), for `deploy --template` runs that need nothing rendered."""
    root = tmp_path / "orders"
    write_config(root, example_data())
    (root / "queue.yaml").write_text(yaml.safe_dump({
        "Parameters": {"QueueName": {"Type": "String", "Default": "jane"}},
        "Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Ref": "QueueName"}}}},
    }))
    return root


def queue_deploy_args(project: Path, stack: str, *more: str) -> list[str]:
    """`pipekit deploy` of queue_project's queue.yaml as `stack` in the dev account."""
    return ["--config", str(project / "pipekit.yaml"), "deploy", "--account", "dev",
            "--template", str(project / "queue.yaml"), "--stack-name", stack, *more]
