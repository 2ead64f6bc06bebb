"""pipekit dev deploy / destroy. The build runs a stand-in `dotnet` on PATH that records
its arguments (dotnet_stand_in.py). Deploys of the rendered service template run against
moto in server mode, with the SAM transform run at change-set time and the live alias
made in moto's Lambda (moto_aws.patch_moto_sam_transform); moto skips the alarms, the
HTTP API and CodeDeploy's resources. The direct code path's exact calls are also checked
against botocore's Stubber (CloudFormation and Lambda)."""

from __future__ import annotations

import io
import json
import shlex
import zipfile
from pathlib import Path

import pytest
import yaml
from botocore.stub import ANY, Stubber
from click.testing import CliRunner

import dotnet_stand_in
from conftest import config_from, example_data, render_project, write_config
from pipekit.aws.cloudformation import CloudFormation
from pipekit.aws.lambda_ import Lambda
from pipekit.cli import main
from pipekit.develop import package as packaging
from pipekit.develop import personal
from pipekit.develop.deploy import PersonalDeploy
from pipekit.develop.build import build
from pipekit.errors import UsageError
from pipekit.project import build_commands
from pipekit.release.deploy import StackOutcome

DEV = "222222222222"
CODE_BUCKET = "orders-dev-code"
STACK = "orders-svc-dev-jane"



def dev_data(bucket: str | None = CODE_BUCKET) -> dict:
    data = example_data()
    data["environments"][0]["personal_stacks"] = {"bucket": bucket} if bucket else True
    return data


@pytest.fixture
def dotnet(tmp_path, monkeypatch):
    log = tmp_path / "dotnet-calls.jsonl"
    dotnet_stand_in.install(tmp_path / "bin", log, monkeypatch)
    return log


@pytest.fixture
def project(tmp_path, dotnet):
    """The example project rendered, with its function's sources."""
    root = render_project(tmp_path / "orders", dev_data())
    source = root / "src" / "OrdersApi"
    source.mkdir(parents=True)
    (source / "OrdersApi.csproj").write_text("<Project Sdk=\"Microsoft.NET.Sdk\" />\n")
    (source / "Program.cs").write_text("return 1;\n")
    return root


@pytest.fixture
def deployed(project, moto_aws):
    """The project with the build and dev accounts' stacks in place (the service key's
    export), and the personal-stack bucket in the dev account."""
    for account in ("build", "dev"):
        result = CliRunner().invoke(main, ["--config", str(project / "pipekit.yaml"), "deploy", "--account", account, "--yes"])
        assert result.exit_code == 0, result.output
    moto_aws.client(DEV, "s3").create_bucket(Bucket=CODE_BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    return project


def dev(project, *args):
    return CliRunner().invoke(main, ["--config", str(project / "pipekit.yaml"), "dev", *args])


def buildspec_publish_commands(root: Path) -> list[list[str]]:
    spec = yaml.safe_load((root / "buildspec.yml").read_text())
    lines = [c for c in spec["phases"]["build"]["commands"] if c.startswith("dotnet publish")]
    return [shlex.split(line)[1:] for line in lines]


# ---------------------------------------------------------------- one source for the build


def test_dev_deploy_builds_with_exactly_the_buildspecs_publish_commands(deployed, dotnet, moto_aws):
    project = deployed

    result = dev(project, "deploy", "--name", "jane")

    assert result.exit_code == 0, result.output
    recorded = dotnet_stand_in.calls(dotnet)
    assert recorded and recorded == buildspec_publish_commands(project)
    assert "--runtime" in recorded[0] and recorded[0][recorded[0].index("--runtime") + 1] == "linux-x64"


def test_the_buildspec_renders_its_dotnet_commands_from_build_commands(variant):
    from pipekit.project.render import render_all

    name, cfg = variant
    spec = yaml.safe_load(render_all(cfg)["buildspec.yml"])
    commands = spec["phases"]["pre_build"]["commands"] + spec["phases"]["build"]["commands"]
    expected = [build_commands.shell_line(c) for c in (
        build_commands.restore_commands(cfg) + build_commands.build_commands(cfg) + build_commands.test_commands(cfg)
        + build_commands.publish_commands(cfg))]
    assert [c for c in commands if c.startswith("dotnet ")] == expected
    rid = "linux-arm64" if cfg.service.architecture == "arm64" else "linux-x64"
    assert all(c[c.index("--runtime") + 1] == rid for c in build_commands.publish_commands(cfg))


def test_a_failed_build_shows_the_compilers_message_and_deploys_nothing(project, dotnet, moto_aws, monkeypatch):
    monkeypatch.setenv("STAND_IN_DOTNET_FAIL", "1")
    result = dev(project, "deploy", "--name", "jane")
    assert result.exit_code == 1
    assert "failed (exit 1)" in result.output and "error CS1002: ; expected" in result.output
    assert moto_aws.client(DEV, "cloudformation").describe_stacks()["Stacks"] == []


# ---------------------------------------------------------------- deploy and destroy (moto)


def test_dev_deploy_puts_the_code_in_the_bucket_and_the_stack_in_the_dev_account(deployed, moto_aws):
    project, s3 = deployed, moto_aws.client(DEV, "s3")

    result = dev(project, "deploy", "--name", "jane")

    assert result.exit_code == 0, result.output
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=CODE_BUCKET)["Contents"]]
    assert len(keys) == 2 and all(k.startswith("dev/jane/") and k.endswith(".zip") for k in keys)  # the function's, the hooks'
    contents = sorted(sorted(zipfile.ZipFile(io.BytesIO(s3.get_object(Bucket=CODE_BUCKET, Key=k)["Body"].read())).namelist()) for k in keys)
    assert ["OrdersApi.dll", "OrdersApi.runtimeconfig.json"] in contents and ["hooklib.py", "post_traffic.py", "pre_traffic.py"] in contents
    stack = moto_aws.client(DEV, "cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]
    tags = {t["Key"]: t["Value"] for t in stack["Tags"]}
    assert tags[personal.PERSONAL_TAG] == "jane" and tags[personal.PROJECT_TAG] == "orders"
    assert {"ParameterKey": "DeploymentType", "ParameterValue": "AllAtOnce"} in stack["Parameters"]
    resources = moto_aws.client(DEV, "cloudformation").describe_stack_resources(StackName=STACK)["StackResources"]
    function = next(r["PhysicalResourceId"] for r in resources if r.get("LogicalResourceId") == "OrdersApiFunction")
    lam = moto_aws.client(DEV, "lambda")
    assert lam.get_function(FunctionName=function)["Code"]["Location"]
    assert lam.get_alias(FunctionName=function, Name="live")["FunctionVersion"] == "1"

    again = dev(project, "deploy", "--name", "jane")
    assert again.exit_code == 0 and f"{STACK}: no changes" in again.output


def test_dev_destroy_deletes_only_the_stack_pipekit_made_for_that_name(project, moto_aws):
    cf = moto_aws.client(DEV, "cloudformation")
    template = json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}})
    cf.create_stack(StackName="orders-svc-dev-bob", TemplateBody=template, Tags=[{"Key": "pipekit:project", "Value": "orders"}])
    cf.create_stack(StackName=STACK, TemplateBody=template,
                    Tags=[{"Key": "pipekit:project", "Value": "orders"}, {"Key": personal.PERSONAL_TAG, "Value": "jane"}])

    refused = dev(project, "destroy", "--name", "bob", "--yes")
    deleted = dev(project, "destroy", "--name", "jane", "--yes")
    absent = dev(project, "destroy", "--name", "jane", "--yes")

    assert refused.exit_code == 1 and "was not made by `pipekit dev deploy --name bob`" in refused.output
    assert "nothing was deleted" in refused.output
    assert deleted.exit_code == 0 and f"{STACK}: DELETE_COMPLETE" in deleted.output, deleted.output
    assert absent.exit_code == 0 and "does not exist; nothing to destroy" in absent.output
    live = {s["StackName"] for s in cf.describe_stacks()["Stacks"] if s["StackStatus"] != "DELETE_COMPLETE"}
    assert live == {"orders-svc-dev-bob"}


def test_code_in_the_artifact_bucket_is_deployed_with_the_execution_role(tmp_path, dotnet, moto_aws):
    root = tmp_path / "orders"
    write_config(root, dev_data(bucket=None))
    run = lambda *args: CliRunner().invoke(main, ["--config", str(root / "pipekit.yaml"), *args])  # noqa: E731
    assert run("render").exit_code == 0
    (root / "src" / "OrdersApi").mkdir(parents=True)
    (root / "src" / "OrdersApi" / "Program.cs").write_text("return 1;\n")
    for account in ("build", "dev"):
        assert run("deploy", "--account", account, "--yes").exit_code == 0

    result = run("dev", "deploy", "--name", "jane")

    assert result.exit_code == 0, result.output
    stack = moto_aws.client(DEV, "cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]
    assert stack["RoleARN"] == f"arn:aws:iam::{DEV}:role/orders-cfn-exec"
    listed = moto_aws.client("111111111111", "s3").list_objects_v2(Bucket="orders-artifacts-111111111111-eu-west-1", Prefix="dev/jane/")
    assert len(listed["Contents"]) == 2


def test_destroy_without_a_terminal_needs_yes(project):
    result = dev(project, "destroy", "--name", "jane")
    assert result.exit_code == 2 and "pass --yes" in result.output


# ---------------------------------------------------------------- refusals (no AWS)


@pytest.mark.parametrize("change, args, message", [
    (lambda d: None, ("--env", "prod"), "environment 'prod' does not allow personal stacks"),
    (lambda d: d["environments"][0].pop("personal_stacks"), (), "no environment allows personal stacks"),
    (lambda d: d["environments"].__setitem__(1, {**d["environments"][1], "account": "dev", "approval": None}), (),
     "account 'dev' also hosts prod, which does not allow personal stacks"),
    (lambda d: None, ("--name", "Jane!"), "--name 'Jane!': expected 1-16 lowercase letters and digits"),
])
def test_dev_deploy_is_refused_outside_dev_environments_before_any_aws_call(tmp_path, aws, change, args, message):
    data = dev_data()
    change(data)
    root = tmp_path / "orders"
    write_config(root, data)
    result = CliRunner().invoke(main, ["--config", str(root / "pipekit.yaml"), "dev", "deploy", *args])
    assert result.exit_code == 2 and message in result.output, result.output
    assert aws.opened == []


def test_personal_stacks_are_refused_in_a_gated_environment_by_the_config():
    data = dev_data()
    data["environments"][1]["personal_stacks"] = True
    from pipekit.errors import ConfigError

    with pytest.raises(ConfigError, match="gated by a manual approval"):
        config_from(data)


def test_artifact_bucket_code_is_deployed_with_the_execution_role():
    cfg = config_from(dev_data(bucket=None))
    target = personal.personal_stack(cfg, cfg.environment("dev"), "jane")
    assert (target.bucket, target.bucket_account) == (f"orders-artifacts-{cfg.build_account_id}-eu-west-1", "build")
    assert target.role_arn == f"arn:aws:iam::{DEV}:role/orders-cfn-exec"
    own_cfg = config_from(dev_data())
    own = personal.personal_stack(own_cfg, own_cfg.environment("dev"), "jane")
    assert (own.bucket, own.bucket_account, own.role_arn) == (CODE_BUCKET, "dev", None)


def test_the_login_name_becomes_a_stack_name():
    assert personal.personal_name(None, "Jane.Doe-2") == "janedoe2"
    with pytest.raises(UsageError):
        personal.personal_name(None, "123")


# ---------------------------------------------------------------- packaging


def test_packages_are_deterministic_and_name_their_content(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "b.dll").write_text("b")
    (folder / "a.json").write_text("a")
    first = packaging.zip_directory(folder)
    (folder / "a.json").touch()  # a new mtime, the same content
    assert packaging.zip_directory(folder) == first
    (folder / "a.json").write_text("changed")
    assert packaging.zip_directory(folder) != first


# ---------------------------------------------------------------- the direct code path (Stubber)


class _Stubbed:
    def __init__(self):
        import boto3

        self.cf_client = boto3.client("cloudformation", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="y")
        self.lambda_client = boto3.client("lambda", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="y")
        self.cf, self.lam = Stubber(self.cf_client), Stubber(self.lambda_client)
        self.cf.activate()
        self.lam.activate()


@pytest.fixture
def session_parts(project):
    cfg = config_from(dev_data())
    target = personal.personal_stack(cfg, cfg.environment("dev"), "jane")
    stubbed = _Stubbed()
    deployed, events = [], []

    failures = []  # a test puts "failed" here for the next deploy

    def deploy(plan):
        deployed.append(plan)
        if failures:
            return [StackOutcome(plan.stack_name, failures.pop(0), "UPDATE_ROLLBACK_COMPLETE")]
        return [StackOutcome(plan.stack_name, "succeeded", "CREATE_COMPLETE")]

    def make(direct_code=True):
        return PersonalDeploy(cfg, project, target, build=lambda on: build(cfg, project, on), deploy=deploy,
                              cloudformation=CloudFormation(stubbed.cf_client), functions=Lambda(stubbed.lambda_client),
                              on_event=events.append, direct_code=direct_code)

    make.failures = failures
    return make, stubbed, deployed, events


def stub_code_update(stubbed, function):
    """The stack's function found, its code sent."""
    stubbed.cf.add_response("describe_stack_resources", {"StackResources": [
        {"LogicalResourceId": "OrdersApiFunction", "PhysicalResourceId": function, "ResourceType": "AWS::Lambda::Function",
         "Timestamp": "2026-11-28T10:00:00Z", "ResourceStatus": "CREATE_COMPLETE"}]}, {"StackName": STACK})
    stubbed.lam.add_response("update_function_code", {"FunctionName": function}, {"FunctionName": function, "ZipFile": ANY})


def test_a_change_in_code_alone_goes_straight_into_the_function_and_the_alias(project, session_parts):
    make, stubbed, deployed, events = session_parts
    session = make()
    assert session.once().path == "stack"
    (project / "src" / "OrdersApi" / "Program.cs").write_text("return 2;\n")
    function = f"{STACK}-OrdersApiFunction-AbC"

    stub_code_update(stubbed, function)
    stubbed.lam.add_response("get_function_configuration", {"LastUpdateStatus": "InProgress"}, {"FunctionName": function})
    stubbed.lam.add_response("get_function_configuration", {"LastUpdateStatus": "Successful"}, {"FunctionName": function})
    stubbed.lam.add_response("publish_version", {"Version": "8"}, {"FunctionName": function})
    stubbed.lam.add_response("update_alias", {"Name": "live", "FunctionVersion": "8"},
                             {"FunctionName": function, "Name": "live", "FunctionVersion": "8", "RoutingConfig": {"AdditionalVersionWeights": {}}})
    seen_zip = []
    stubbed.lambda_client.meta.events.register("provide-client-params.lambda.UpdateFunctionCode", lambda params, **_: seen_zip.append(params["ZipFile"]))

    done = session.once()

    assert done.path == "code" and len(deployed) == 1
    assert [(u.logical_id, u.version) for u in done.updates] == [("OrdersApiFunction", "8")]
    assert seen_zip == [packaging.zip_directory(project / "build" / "OrdersApi")]
    stubbed.cf.assert_no_pending_responses()
    stubbed.lam.assert_no_pending_responses()


def test_a_failed_code_update_is_an_error_with_lambdas_reason(project, session_parts):
    from pipekit.errors import PipekitError

    make, stubbed, deployed, events = session_parts
    session = make()
    session.once()
    (project / "src" / "OrdersApi" / "Program.cs").write_text("return 2;\n")
    function = f"{STACK}-OrdersApiFunction-AbC"
    stub_code_update(stubbed, function)
    stubbed.lam.add_response("get_function_configuration", {"LastUpdateStatus": "Failed", "LastUpdateStatusReason": "zip too large"},
                             {"FunctionName": function})
    with pytest.raises(PipekitError, match=f"{function}: the code update failed: zip too large"):
        session.once()
    stubbed.lam.assert_no_pending_responses()  # no version published, no alias moved


def test_a_function_without_an_alias_gets_its_code_and_no_version(project, session_parts):
    # A hand-edited template whose function has no AutoPublishAlias: nothing to publish to.
    make, stubbed, deployed, events = session_parts
    template = project / "service" / "template.yaml"
    template.write_text(template.read_text().replace("      AutoPublishAlias: live\n", "", 1))
    session = make()
    session.once()
    (project / "src" / "OrdersApi" / "Program.cs").write_text("return 2;\n")
    function = f"{STACK}-OrdersApiFunction-AbC"
    stub_code_update(stubbed, function)
    stubbed.lam.add_response("get_function_configuration", {"LastUpdateStatus": "Successful"}, {"FunctionName": function})

    done = session.once()  # publish_version or update_alias would be unstubbed calls

    assert done.path == "code" and [(u.logical_id, u.version) for u in done.updates] == [("OrdersApiFunction", "")]
    stubbed.lam.assert_no_pending_responses()


def test_a_template_change_goes_through_the_stack(project, session_parts):
    make, stubbed, deployed, events = session_parts
    session = make()
    session.once()
    template = project / "service" / "template.yaml"
    template.write_text(template.read_text().replace("MemorySize: 512", "MemorySize: 1024"))
    (project / "src" / "OrdersApi" / "Program.cs").write_text("return 2;\n")

    assert session.once().path == "stack"
    assert len(deployed) == 2


def test_stack_only_never_takes_the_direct_path(project, session_parts):
    make, stubbed, deployed, events = session_parts
    session = make(direct_code=False)
    session.once()
    (project / "src" / "OrdersApi" / "Program.cs").write_text("return 2;\n")
    assert session.once().path == "stack" and len(deployed) == 2


def test_unchanged_code_deploys_nothing(project, session_parts):
    make, stubbed, deployed, events = session_parts
    session = make()
    session.once()
    assert session.once().path == "nothing" and len(deployed) == 1


def test_after_a_failed_deploy_the_next_round_goes_through_the_stack_again(project, session_parts):
    make, stubbed, deployed, events = session_parts
    session = make()
    make.failures.append("failed")
    session.once()
    assert session.once().path == "stack" and len(deployed) == 2  # nothing changed, but the stack is not what was packaged


def test_the_packaged_plan_carries_uploads_tags_and_role(project, session_parts):
    make, stubbed, deployed, events = session_parts
    make().once()
    plan = deployed[0]
    assert len(plan.uploads) == 3  # the function and its two hooks
    assert all(u.bucket == CODE_BUCKET and u.key == f"dev/jane/{u.sha256}.zip" for u in plan.uploads)
    assert plan.tags[personal.PERSONAL_TAG] == "jane" and plan.role_arn is None
    body = json.loads(plan.template.read_text())
    assert body["Resources"]["OrdersApiFunction"]["Properties"]["CodeUri"]["Bucket"] == CODE_BUCKET


# ---------------------------------------------------------------- watching


def test_a_change_is_reported_once_the_files_stop_moving():
    from pipekit.develop.watch import wait_for_change

    now = [0.0]
    looks = iter([{"a": (1, 1)}, {"a": (2, 1)}, {"a": (2, 1), "b": (3, 1)}, {"a": (2, 1), "b": (3, 1)},
                  {"a": (2, 1), "b": (3, 1)}, {"a": (2, 1), "b": (3, 1)}])

    def sleep(seconds):
        now[0] += seconds

    settled, paths = wait_for_change(lambda: next(looks), {"a": (1, 1)}, poll=0.5, quiet=1.0, sleep=sleep, clock=lambda: now[0])

    assert settled == {"a": (2, 1), "b": (3, 1)} and paths == ["a", "b"]
    assert now[0] == 2.5  # `quiet` seconds after the last move (seen at 1.5), not after the first change (at 1.0)


def test_build_output_is_not_a_source_change(project):
    from pipekit.develop.watch import snapshot, watched_roots

    cfg = config_from(dev_data())
    source = project / "src" / "OrdersApi"
    for ignored in ("bin/Release/x.dll", "obj/project.assets.json"):
        (source / ignored).parent.mkdir(parents=True, exist_ok=True)
        (source / ignored).write_text("x")
    files = set(snapshot(watched_roots(cfg, project)))
    assert str(source / "Program.cs") in files and str(project / "service" / "template.yaml") in files
    assert not any("/bin/" in f or "/obj/" in f for f in files)


def test_watch_sends_a_code_change_straight_to_the_function_and_ctrl_c_ends_it_with_0(deployed, moto_aws, monkeypatch):
    from pipekit.develop import watch

    project = deployed
    rounds = []

    def changed_once(take, before, **_):
        if rounds:
            raise KeyboardInterrupt
        rounds.append(1)
        (project / "src" / "OrdersApi" / "Program.cs").write_text("return 2;\n")
        return take(), ["src/OrdersApi/Program.cs"]

    monkeypatch.setattr(watch, "wait_for_change", changed_once)
    result = dev(project, "deploy", "--name", "jane", "--watch")

    assert result.exit_code == 0, result.output
    assert "changed: src/OrdersApi/Program.cs" in result.output
    assert "OrdersApiFunction: code updated in orders-svc-dev-jane-OrdersApiFunction" in result.output
    assert "live -> version 2" in result.output
    assert "note: dev only: the code went straight into the function" in result.output
    assert result.output.count("creating CREATE change set") == 1 and "creating UPDATE change set" not in result.output


def test_ctrl_c_during_a_watched_deploy_ends_the_watch_with_130_not_a_retry(deployed, moto_aws, monkeypatch):
    from pipekit.develop.deploy import PersonalDeploy as Session
    from pipekit.release.interrupt import Interrupted

    from pipekit.develop import watch

    calls = []

    def interrupted(self):
        calls.append(1)
        raise Interrupted("interrupted: deleted change set pipekit-x (not executed)")

    def ctrl_c_again(take, before, **_):  # a watch that went on would end here with exit 0
        raise KeyboardInterrupt

    monkeypatch.setattr(Session, "once", interrupted)
    monkeypatch.setattr(watch, "wait_for_change", ctrl_c_again)
    result = dev(deployed, "deploy", "--name", "jane", "--watch")
    assert result.exit_code == 130 and "still watching" not in result.output
    assert calls == [1] and "deleted change set pipekit-x" in result.output


class _NoBucket:
    def put_if_absent(self, bucket, key, body, sha256):
        from pipekit.aws.s3 import BucketNotFound

        raise BucketNotFound(f"bucket {bucket} does not exist: NoSuchBucket", "NoSuchBucket")


@pytest.mark.parametrize("bucket_account, refused", [("dev", UsageError), ("build", Exception)])
def test_a_missing_personal_bucket_is_the_users_to_create_and_a_missing_artifact_bucket_is_not(bucket_account, refused):
    from dataclasses import replace

    from pipekit.aws.s3 import BucketNotFound
    from pipekit.release.deploy import CodeUpload

    cfg = config_from(dev_data())
    target = replace(personal.personal_stack(cfg, cfg.environment("dev"), "jane"), bucket_account=bucket_account)
    with pytest.raises(refused) as raised:
        personal.upload_code(_NoBucket(), target, CodeUpload("jane-code", "dev/jane/abc.zip", "abc", b"zip", "the code"))
    if bucket_account == "dev":
        assert "does not exist in account dev; create it, or drop bucket to use the artifact bucket" in str(raised.value)
    else:
        assert isinstance(raised.value, BucketNotFound)  # deploy's own message: deploy the build account first
