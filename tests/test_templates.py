"""The rendered templates, for the example and four other configs, checked for the
structure the delivery design depends on. (cfn-lint with zero findings for every config
is test_validate's job: `pipekit validate` runs it, so each config is linted once.)"""

from __future__ import annotations

import json

import yaml
import pytest
from cfnlint.decode.cfn_yaml import loads

from pipekit.checks.tools import transform
from pipekit.project import layout, names
from pipekit.project.render import render_all


@pytest.fixture
def rendered(variant):
    name, cfg = variant
    return name, cfg, render_all(cfg)


def template(files, path):
    return loads(files[path])


def translated_service(cfg, files):
    return transform(template(files, "service/template.yaml"), cfg.region, lambda *_: "s3://bucket/code.zip")


def test_service_translates_with_traffic_shifting_and_alarms(rendered):
    _, cfg, files = rendered
    resources = translated_service(cfg, files)["Resources"]
    for fn in cfg.service.functions:
        alias = resources[f"{fn.name}FunctionAliaslive"]
        assert alias["Type"] == "AWS::Lambda::Alias"
        update = alias["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"]
        assert update["DeploymentGroupName"] == {"Ref": f"{fn.name}FunctionDeploymentGroup"}
        group = resources[f"{fn.name}FunctionDeploymentGroup"]["Properties"]
        alarms = group["AlarmConfiguration"]["Alarms"]
        assert {"Name": {"Ref": f"{fn.name}ErrorsAlarm"}} in alarms
        assert {"Name": {"Fn::Sub": "${AWS::StackName}-api-5xx"}} in alarms
        assert group["AutoRollbackConfiguration"]["Enabled"] is True
        assert group["ServiceRoleArn"] == {"Fn::GetAtt": ["CodeDeployRole", "Arn"]}
        # Every role the service makes carries the target account's boundary.
        assert "PermissionsBoundary" in resources[f"{fn.name}FunctionRole"]["Properties"]
    assert "PermissionsBoundary" in resources["CodeDeployRole"]["Properties"]


def test_new_version_alarm_watches_only_the_new_version(example_config):
    files = render_all(example_config)
    alarm = template(files, "service/template.yaml")["Resources"]["OrdersApiErrorsAlarm"]["Properties"]
    dimensions = {d["Name"]: d["Value"] for d in alarm["Dimensions"]}
    assert dimensions["ExecutedVersion"] == {"Fn::GetAtt": ["OrdersApiFunction", "Version.Version"]}
    assert alarm["TreatMissingData"] == "notBreaching"


def test_pipeline_builds_once_then_one_stage_per_environment(rendered):
    _, cfg, files = rendered
    pipeline = template(files, "infra/pipeline.yaml")["Resources"]["Pipeline"]["Properties"]
    assert pipeline["PipelineType"] == "V2"
    stage_names = [s["Name"] for s in pipeline["Stages"]]
    assert stage_names == ["Source", "Build", *[e.title for e in cfg.environments]]
    builds = [a for s in pipeline["Stages"] for a in s["Actions"] if a["ActionTypeId"]["Category"] == "Build"]
    assert len(builds) == 1  # built once
    for stage in pipeline["Stages"][2:]:
        for action in stage["Actions"]:
            for artifact in action.get("InputArtifacts", []):
                assert artifact["Name"] in ("BuildOutput", "Source")
        assert stage["OnFailure"] == {"Result": "ROLLBACK"}


def ordered_actions(stage):
    return [(a["RunOrder"], a["Name"]) for a in sorted(stage["Actions"], key=lambda a: a["RunOrder"])]


def test_gated_stage_creates_then_approves_then_executes_that_change_set(rendered):
    _, cfg, files = rendered
    stages = {s["Name"]: s for s in template(files, "infra/pipeline.yaml")["Resources"]["Pipeline"]["Properties"]["Stages"]}
    for env in cfg.environments:
        stage = stages[env.title]
        expected = ["CreateChangeSet", *(["ReviewChangeSet", "Approve"] if env.approval else []), "ExecuteChangeSet"]
        expected += ["IntegrationTests"] if env.integration_tests else []
        assert [name for _, name in ordered_actions(stage)] == expected
        assert [order for order, _ in ordered_actions(stage)] == list(range(1, len(expected) + 1))
        by_name = {a["Name"]: a for a in stage["Actions"]}
        create, execute = by_name["CreateChangeSet"]["Configuration"], by_name["ExecuteChangeSet"]["Configuration"]
        assert create["ActionMode"] == "CHANGE_SET_REPLACE" and execute["ActionMode"] == "CHANGE_SET_EXECUTE"
        assert create["ChangeSetName"] == execute["ChangeSetName"] and create["StackName"] == execute["StackName"]
        assert create["TemplateConfiguration"] == f"BuildOutput::service/environments/{env.name}.json"
        parameters = json.loads(files[f"service/environments/{env.name}.json"])["Parameters"]
        assert parameters["Environment"] == env.name and parameters["DeploymentType"] == env.deployment
        if env.approval:
            approval = by_name["Approve"]
            assert approval["ActionTypeId"] == {"Category": "Approval", "Owner": "AWS", "Provider": "Manual", "Version": "1"}
            assert create["ChangeSetName"] in approval["Configuration"]["CustomData"]
            # whether it is a rollback, the review's verdict and report reach the approver
            assert approval["Configuration"]["CustomData"].startswith(f"#{{{env.title}Review.EXECUTION}}: #{{{env.title}Review.VERDICT}}")
            assert approval["Configuration"]["ExternalEntityLink"] == f"#{{{env.title}Review.REPORT_URL}}"
            review = by_name["ReviewChangeSet"]
            assert review["Namespace"] == f"{env.title}Review"
            job = json.loads(review["Configuration"]["UserParameters"])
            assert job["change_set"] == create["ChangeSetName"] and job["stack"] == create["StackName"] and job["environment"] == env.name
            assert job["review_role_arn"] == f"arn:aws:iam::{cfg.account_id(env.account)}:role/{cfg.project}-review"
        if env.integration_tests:
            variables = json.loads(by_name["IntegrationTests"]["Configuration"]["EnvironmentVariables"])
            assert {"name": "SERVICE_URL", "value": f"#{{{env.title}Deploy.ApiUrl}}", "type": "PLAINTEXT"} in variables
            assert by_name["ExecuteChangeSet"]["Namespace"] == f"{env.title}Deploy"


def test_deploy_actions_assume_the_deployment_role_of_their_own_account(rendered):
    _, cfg, files = rendered
    stages = template(files, "infra/pipeline.yaml")["Resources"]["Pipeline"]["Properties"]["Stages"]
    for stage, env in zip(stages[2:], cfg.environments):
        account = cfg.account_id(env.account)
        for action in stage["Actions"]:
            if action["ActionTypeId"]["Provider"] == "CloudFormation":
                assert action["RoleArn"] == f"arn:aws:iam::{account}:role/{cfg.project}-deploy"
                if action["Configuration"]["ActionMode"] == "CHANGE_SET_REPLACE":
                    assert action["Configuration"]["RoleArn"] == f"arn:aws:iam::{account}:role/{cfg.project}-cfn-exec"


def test_artifact_store_is_encrypted_with_the_build_accounts_key(rendered):
    _, cfg, files = rendered
    store = template(files, "infra/pipeline.yaml")["Resources"]["Pipeline"]["Properties"]["ArtifactStore"]
    assert store["EncryptionKey"] == {"Type": "KMS", "Id": {"Fn::ImportValue": f"{cfg.project}-ArtifactKeyArn"}}
    build = template(files, "infra/build-account.yaml")
    outputs = build["Outputs"]
    assert outputs["ArtifactKeyArn"]["Export"]["Name"] == f"{cfg.project}-ArtifactKeyArn"
    assert build["Resources"]["ArtifactKey"]["Properties"]["EnableKeyRotation"] is True


def test_artifacts_never_expire_while_a_rollback_may_need_them(rendered):
    _, _, files = rendered
    bucket = template(files, "infra/build-account.yaml")["Resources"]["ArtifactBucket"]
    props = bucket["Properties"]
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    for rule in props["LifecycleConfiguration"]["Rules"]:
        assert "ExpirationInDays" not in rule and "ExpirationDate" not in rule
    assert bucket["DeletionPolicy"] == "Retain"
    encryption = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert encryption == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": {"Fn::GetAtt": ["ArtifactKey", "Arn"]}}


def test_key_and_bucket_grant_only_the_target_roles(rendered):
    _, cfg, files = rendered
    resources = template(files, "infra/build-account.yaml")["Resources"]
    wanted = sorted(a for t in layout.targets(cfg) for a in (t.deploy_role_arn, t.exec_role_arn))
    documents = [resources["ArtifactKey"]["Properties"]["KeyPolicy"], resources["ArtifactBucketPolicy"]["Properties"]["PolicyDocument"]]
    for document in documents:
        granted = [s for s in document["Statement"] if s["Effect"] == "Allow" and "AWS" in s.get("Principal", {})]
        cross_account = [s for s in granted if s["Principal"]["AWS"] != {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}]
        assert cross_account, "the target accounts get no grant"
        for statement in cross_account:
            assert sorted(statement["Condition"]["ArnEquals"]["aws:PrincipalArn"]) == wanted
            assert sorted(statement["Principal"]["AWS"]) == sorted(t.root_arn for t in layout.targets(cfg))


def all_statements(resources):
    for resource in resources.values():
        props = resource.get("Properties", {})
        documents = [props.get("PolicyDocument"), props.get("AssumeRolePolicyDocument")]
        documents += [p["PolicyDocument"] for p in props.get("Policies", []) if isinstance(p, dict) and "PolicyDocument" in p]
        for document in filter(None, documents):
            yield from document["Statement"]


def as_list(value):
    return value if isinstance(value, list) else [value]


def test_target_account_roles_are_least_privilege(rendered):
    _, cfg, files = rendered
    resources = template(files, "infra/target-account.yaml")["Resources"]
    for statement in all_statements(resources):
        actions = as_list(statement.get("Action", []))
        assert "*" not in actions and "*:*" not in actions and "iam:*" not in actions
        if statement["Effect"] == "Allow" and any(a.startswith("iam:") for a in actions):
            assert statement["Resource"] != "*"
    trust = resources["DeploymentRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    # the build account narrowed to the pipeline role: the role need not exist yet (the pipeline stack comes last)
    assert [(s["Principal"], s["Condition"]) for s in trust] == [(
        {"AWS": f"arn:aws:iam::{cfg.build_account_id}:root"},
        {"ArnEquals": {"aws:PrincipalArn": f"arn:aws:iam::{cfg.build_account_id}:role/{cfg.project}-pipeline"}},
    )]
    create_roles = next(s for s in all_statements(resources) if "iam:CreateRole" in as_list(s["Action"]))
    assert create_roles["Condition"] == {"StringEquals": {"iam:PermissionsBoundary": {"Ref": "ServiceBoundary"}}}
    assert resources["DeploymentRole"]["Properties"]["RoleName"] == names.deploy_role(cfg)
    assert resources["ExecutionRole"]["Properties"]["RoleName"] == names.exec_role(cfg)


def test_service_stacks_are_inside_the_roles_scope_and_the_roles_stack_is_not(example_config):
    prefix = names.service_stack_prefix(example_config)
    for env in example_config.environments:
        assert names.service_stack(example_config, env.name).startswith(prefix + "-")
    assert not names.target_stack(example_config).startswith(prefix)


def test_approvers_policy_names_the_real_approval_actions(rendered):
    _, cfg, files = rendered
    resources = template(files, "infra/pipeline.yaml")["Resources"]
    gated = [s for s in layout.stages(cfg) if s.approval_action]
    if not gated:
        assert "ApproversPolicy" not in resources
        return
    statement = resources["ApproversPolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    assert statement["Action"] == "codepipeline:PutApprovalResult"
    arns = [r["Fn::Sub"] for r in statement["Resource"]]
    assert arns == [
        f"arn:${{AWS::Partition}}:codepipeline:${{AWS::Region}}:${{AWS::AccountId}}:${{Pipeline}}/{s.name}/Approve" for s in gated
    ]


def test_failed_executions_are_notified(rendered):
    _, cfg, files = rendered
    rule = template(files, "infra/pipeline.yaml")["Resources"]["FailedExecutionRule"]["Properties"]
    assert rule["EventPattern"]["detail"] == {"pipeline": [cfg.project], "state": ["FAILED"]}
    topic = template(files, "infra/pipeline.yaml")["Resources"]["NotificationTopic"]["Properties"]
    assert topic["KmsMasterKeyId"] == {"Fn::ImportValue": f"{cfg.project}-ArtifactKeyArn"}


def test_hooks_are_in_the_alias_update_policy_and_named_for_codedeploy(example_config):
    files = render_all(example_config)
    resources = translated_service(example_config, files)["Resources"]
    update = resources["OrdersApiFunctionAliaslive"]["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"]
    assert update["BeforeAllowTrafficHook"] == {"Fn::If": ["UseHooks", {"Ref": "OrdersApiPreTrafficHook"}, {"Ref": "AWS::NoValue"}]}
    assert update["AfterAllowTrafficHook"] == {"Fn::If": ["UseHooks", {"Ref": "OrdersApiPostTrafficHook"}, {"Ref": "AWS::NoValue"}]}
    pre = resources["OrdersApiPreTrafficHook"]
    assert pre["Condition"] == "UseHooks"
    assert pre["Properties"]["FunctionName"]["Fn::Sub"].startswith("CodeDeployHook_")
    assert pre["Properties"]["Runtime"].startswith("python3.")
    variables = pre["Properties"]["Environment"]["Variables"]
    assert variables["TARGET_VERSION_ARN"] == {"Ref": next(k for k in resources if k.startswith("OrdersApiFunctionVersion"))}
    # least privilege: the PreTraffic hook may invoke exactly the new version
    statements = [s for p in resources["OrdersApiPreTrafficHookRole"]["Properties"]["Policies"] for s in p["PolicyDocument"]["Statement"]]
    invoke = next(s for s in statements if s["Action"] == "lambda:InvokeFunction")
    assert invoke["Resource"] == variables["TARGET_VERSION_ARN"]
    assert "PermissionsBoundary" in resources["OrdersApiPreTrafficHookRole"]["Properties"]
    assert sorted(files[f"service/hooks/{n}"] is not None for n in ("hooklib.py", "pre_traffic.py", "post_traffic.py")) == [True] * 3


def test_hooks_can_be_switched_off_per_environment():
    from conftest import config_from, example_data

    data = example_data()
    data["environments"][0]["hooks"] = {"enabled": False}
    data["environments"][1]["hooks"] = {"post_traffic": {"window_minutes": 20, "max_errors": 1}}
    files = render_all(config_from(data))
    dev = json.loads(files["service/environments/dev.json"])["Parameters"]
    prod = json.loads(files["service/environments/prod.json"])["Parameters"]
    assert dev["HooksEnabled"] == "false"
    assert prod["HooksEnabled"] == "true"
    settings = json.loads(prod["HookSettings"])
    assert settings["window_minutes"] == 20 and settings["max_errors"] == 1
    assert settings["smoke_checks"] == [{"name": "health", "method": "GET", "path": "/health", "expect_status": 200}]


def test_review_role_in_target_accounts_only_reads(example_config):
    files = render_all(example_config)
    role = template(files, "infra/target-account.yaml")["Resources"]["ReviewRole"]["Properties"]
    trust = role["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Principal"] == {"AWS": "arn:aws:iam::111111111111:root"}
    assert trust["Condition"] == {"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::111111111111:role/orders-review"}}
    statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
    actions = [a for s in statements for a in as_list(s["Action"])]
    # Drift detection changes nothing: it starts CloudFormation reading the resources.
    detecting = {"cloudformation:DetectStackDrift", "cloudformation:DetectStackResourceDrift", "cloudformation:BatchDescribeTypeConfigurations"}
    assert actions and all(a.split(":")[1].lower().startswith(("describe", "list", "get")) or a in detecting or a == "kms:Decrypt" for a in actions)
    # Decrypting only as Lambda does for the caller that reads a function's settings.
    decrypt = [s for s in statements if "kms:Decrypt" in as_list(s["Action"])]
    assert decrypt and all(s["Condition"]["StringEquals"]["kms:ViaService"] == ["lambda.eu-west-1.amazonaws.com"] for s in decrypt)
    # No review build installs anything by name: the review is pipekit's own function.
    assert not any(path.startswith("reviewspec") for path in files)
    assert "pip install" not in template(files, "infra/pipeline.yaml").__repr__()


def test_review_fail_on_needs_an_approval():
    from conftest import config_from, example_data
    from pipekit.errors import ConfigError

    data = example_data()
    data["environments"][0]["review"] = {"fail_on": "data-loss"}
    with pytest.raises(ConfigError, match="review.fail_on needs approval: manual"):
        config_from(data)
    data = example_data()
    data["environments"][1]["review"] = {"fail_on": "data-loss"}
    stage = layout.stages(config_from(data))[1]
    review = next(a for a in stage.actions if a.kind == "review")
    assert json.loads(review.user_parameters)["fail_on"] == "data-loss"


NASTY = ["0123", "on", "1.10", "main # x", "!Ref AWS::AccountId", "a: b", "{{ x }}", "'quoted'", 'say "hi"']


@pytest.mark.parametrize("value", NASTY)
def test_user_strings_reach_the_rendered_yaml_as_written(value):
    from conftest import codecommit_source, config_from

    data = codecommit_source()
    data["source"]["branch"] = value
    data["service"]["table"]["partition_key"] = value
    data["service"]["functions"][0]["handler"] = value
    files = render_all(config_from(data))
    pipeline, service = template(files, "infra/pipeline.yaml"), template(files, "service/template.yaml")
    source = pipeline["Resources"]["Pipeline"]["Properties"]["Stages"][0]["Actions"][0]
    assert source["Configuration"]["BranchName"] == value
    assert pipeline["Resources"]["SourceChangeRule"]["Properties"]["EventPattern"]["detail"]["referenceName"] == [value]
    assert service["Resources"]["OrdersApiFunction"]["Properties"]["Handler"] == value
    assert [a["AttributeName"] for a in service["Resources"]["Table"]["Properties"]["KeySchema"]] == [value]


def test_a_project_path_with_a_space_stays_one_shell_word():
    import shlex

    from conftest import config_from, example_data

    data = example_data()
    data["service"]["functions"][0]["project"] = "src/Orders Api/Orders Api.csproj"
    data["build"]["projects"] = ["src/Orders Api/Orders Api.csproj"]
    buildspec = yaml.safe_load(render_all(config_from(data))["buildspec.yml"])
    publish = next(c for c in buildspec["phases"]["build"]["commands"] if c.startswith("dotnet publish"))
    assert shlex.split(publish)[:3] == ["dotnet", "publish", "src/Orders Api/Orders Api.csproj"]


def test_the_dotnet_install_script_is_pinned_and_checked():
    from conftest import config_from, example_data

    install = yaml.safe_load(render_all(config_from(example_data()))["buildspec.yml"])["phases"]["install"]["commands"][0]
    url = next(word for word in install.split() if word.startswith("https://"))
    assert "/dotnet/install-scripts/" in url and len(url.split("/")[5]) == 40  # a commit, not a branch
    assert "sha256sum -c" in install and install.index("sha256sum -c") < install.index("bash /tmp/dotnet-install.sh")


def test_a_failed_first_create_takes_the_table_with_it_but_later_deletes_keep_it(example_config):
    table = template(render_all(example_config), "service/template.yaml")["Resources"]["Table"]
    assert (table["DeletionPolicy"], table["UpdateReplacePolicy"]) == ("RetainExceptOnCreate", "Retain")


def test_api_access_logs_are_vended_logs(example_config):
    group = template(render_all(example_config), "service/template.yaml")["Resources"]["ApiAccessLogGroup"]
    assert group["Properties"]["LogGroupName"]["Fn::Sub"].startswith("/aws/vendedlogs/")


def test_actions_without_resource_types_are_granted_on_star_only(example_config):
    files = render_all(example_config)
    target, service = template(files, "infra/target-account.yaml"), template(files, "service/template.yaml")
    star_only = {"logs:DescribeLogGroups", "codedeploy:StopDeployment", "codedeploy:PutLifecycleEventHookExecutionStatus"}
    statements = [s for r in ("ExecutionPolicy", "ServiceBoundary") for s in target["Resources"][r]["Properties"]["PolicyDocument"]["Statement"]]
    statements += [s for r in service["Resources"].values() if r["Type"] == "AWS::Serverless::Function"
                   for p in r["Properties"].get("Policies", []) if isinstance(p, dict) for s in p.get("Statement", [])]
    granted = [(a, s["Resource"]) for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"]) if a in star_only]
    assert granted and all(resource == "*" for _, resource in granted)


@pytest.mark.parametrize("value", NASTY)
def test_new_user_strings_reach_the_rendered_yaml_as_written(value):
    """Path filters, the email address and the deployment window go through the emitters too."""
    from conftest import config_from, example_data

    data = example_data()
    data["source"]["paths"] = [value]
    data["source"]["ignore_paths"] = [value]
    email = "".join(value.split()).replace("@", "") + "@example.com"
    data["notifications"] = {"email": email}
    cron, zone = "* 0 9-16 ? * MON-THU *", "UTC+05:30"  # '*' opens a YAML alias, ':' a mapping
    data["environments"][1]["gates"]["window"] = {"cron": cron, "time_zone": zone}
    files = render_all(config_from(data))
    resources = template(files, "infra/pipeline.yaml")["Resources"]
    push = resources["Pipeline"]["Properties"]["Triggers"][0]["GitConfiguration"]["Push"][0]
    assert push["FilePaths"] == {"Includes": [value], "Excludes": [value]}
    assert [s["Endpoint"] for s in resources["NotificationTopic"]["Properties"]["Subscription"]] == [email]
    prod = resources["Pipeline"]["Properties"]["Stages"][-1]
    rules = [r for c in prod["BeforeEntry"]["Conditions"] for r in c["Rules"]]
    window = next(r for r in rules if r["Name"] == "DeploymentWindow")
    assert window["Configuration"] == {"Cron": cron, "TimeZone": zone}
