"""Permission broadening and public access: before/after documents of roles, policies and
resource policies compared statement by statement. Pure: change sets as plain data, with
BeforeContext/AfterContext shaped as DescribeChangeSet returns them (IncludePropertyValues)."""

from __future__ import annotations

import json

import pytest

from pipekit.aws.cloudformation import ChangeSet, ResourceChange
from pipekit.release import access as access_module
from pipekit.release.access import access_change
from pipekit.release.review import access_risks, review

BUCKET_ARN = "arn:aws:s3:::orders-data"
TOPIC_ARN = "arn:aws:sns:eu-west-1:333333333333:orders"
QUEUE_ARN = "arn:aws:sqs:eu-west-1:333333333333:orders"
ROLE_ARN = "arn:aws:iam::111111111111:role/orders-review"


def doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action, resource, sid=None, **extra):
    statement = {"Effect": "Allow", "Action": action, "Resource": resource, **extra}
    if sid:
        statement["Sid"] = sid
    return statement


def modify(kind, before, after, logical="R", action="Modify"):
    return ResourceChange(action, logical, "phys", kind, "False", (), "", "",
                          json.dumps({"Properties": before}) if before is not None else "",
                          json.dumps({"Properties": after}) if after is not None else "")


def policy(document):
    return {"PolicyDocument": document, "Roles": ["orders-fn-role"]}


def risks(change, templates=(None, None)):
    return [(r.kind, r.certain) for r in access_risks(access_change(change, templates))]


def widened(change):
    return [c for d in access_change(change).documents for c in d.widened]


def narrowed(change):
    return [c for d in access_change(change).documents for c in d.narrowed]


READ = allow(["dynamodb:GetItem", "dynamodb:Query"], "arn:aws:dynamodb:eu-west-1:333333333333:table/orders", "Read")


def test_an_added_action_widens_and_is_named():
    write = dict(READ, Action=["dynamodb:GetItem", "dynamodb:Query", "dynamodb:DeleteItem"])
    change = modify("AWS::IAM::ManagedPolicy", policy(doc(READ)), policy(doc(write)))
    assert risks(change) == [("permission-broadening", True)]
    [diff] = widened(change)
    assert diff.sid == "Read" and diff.actions == ("dynamodb:DeleteItem",) and not diff.resources
    assert diff.statement["Action"][-1] == "dynamodb:DeleteItem"  # the statement as written, for the reader


def test_a_resource_widened_to_star_widens():
    change = modify("AWS::IAM::ManagedPolicy", policy(doc(READ)), policy(doc(dict(READ, Resource="*"))))
    assert risks(change) == [("permission-broadening", True)]
    [diff] = widened(change)
    assert diff.resources == ("*",) and not diff.actions


def test_principal_star_is_public_access():
    before = {"Bucket": "orders-data", "PolicyDocument": doc(allow("s3:GetObject", f"{BUCKET_ARN}/*", "Read", Principal={"AWS": ROLE_ARN}))}
    after = {"Bucket": "orders-data", "PolicyDocument": doc(allow("s3:GetObject", f"{BUCKET_ARN}/*", "Read", Principal="*"))}
    change = modify("AWS::S3::BucketPolicy", before, after)
    assert risks(change) == [("public-access", True), ("permission-broadening", True)]
    [diff] = widened(change)
    assert diff.principals == ("*",)


def test_principal_star_with_a_condition_widens_but_is_not_public():
    before = {"Queues": ["q"], "PolicyDocument": doc(allow("sqs:SendMessage", QUEUE_ARN, "Send", Principal={"Service": "sns.amazonaws.com"}))}
    after = {"Queues": ["q"], "PolicyDocument": doc(allow("sqs:SendMessage", QUEUE_ARN, "Send", Principal="*",
                                                          Condition={"ArnEquals": {"aws:SourceArn": TOPIC_ARN}}))}
    assert risks(modify("AWS::SQS::QueuePolicy", before, after)) == [("permission-broadening", True)]


def test_a_removed_condition_widens_and_is_named():
    sub = allow("sqs:SendMessage", QUEUE_ARN, "FromTopic", Principal={"Service": "sns.amazonaws.com"},
                Condition={"ArnEquals": {"aws:SourceArn": TOPIC_ARN}})
    loose = {k: v for k, v in sub.items() if k != "Condition"}
    change = modify("AWS::SQS::QueuePolicy", {"Queues": ["q"], "PolicyDocument": doc(sub)}, {"Queues": ["q"], "PolicyDocument": doc(loose)})
    assert risks(change) == [("permission-broadening", True)]
    [diff] = widened(change)
    assert diff.conditions == (f"arnequals aws:sourcearn {TOPIC_ARN}",)
    assert not (diff.actions or diff.resources or diff.principals)


def test_narrowing_is_not_flagged_but_shown():
    broad = allow(["s3:*"], "*", "Data")
    narrow = allow(["s3:GetObject"], f"{BUCKET_ARN}/*", "Data", Condition={"Bool": {"aws:SecureTransport": "true"}})
    change = modify("AWS::IAM::ManagedPolicy", policy(doc(broad, allow("sns:Publish", TOPIC_ARN))), policy(doc(narrow)))
    assert risks(change) == []
    assert not widened(change)
    assert {c.sid for c in narrowed(change)} == {"Data", "statement 2"}
    # and the other way round the same pair widens
    assert risks(modify("AWS::IAM::ManagedPolicy", policy(doc(narrow)), policy(doc(broad)))) == [("permission-broadening", True)]


def test_a_trust_policy_narrowed_from_the_account_to_one_role_is_not_broadening():
    root = {"AssumeRolePolicyDocument": doc({"Effect": "Allow", "Principal": {"AWS": "111111111111"}, "Action": "sts:AssumeRole"})}
    one = {"AssumeRolePolicyDocument": doc({"Effect": "Allow", "Principal": {"AWS": ROLE_ARN}, "Action": "sts:AssumeRole"})}
    assert risks(modify("AWS::IAM::Role", root, one)) == []
    assert risks(modify("AWS::IAM::Role", one, root)) == [("permission-broadening", True)]


def test_a_removed_deny_widens_and_an_added_one_narrows():
    deny = {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*", "Sid": "NoDelete"}
    base = allow("s3:*", f"{BUCKET_ARN}/*", "Data")
    with_deny = policy(doc(base, deny))
    without = policy(doc(base))
    assert [c.sid for c in widened(modify("AWS::IAM::Policy", with_deny, without))] == ["NoDelete"]
    assert risks(modify("AWS::IAM::Policy", without, with_deny)) == []


def test_inline_policies_of_a_role_are_compared_by_name():
    before = {"AssumeRolePolicyDocument": doc(), "Policies": [{"PolicyName": "read", "PolicyDocument": doc(READ)}]}
    after = {"AssumeRolePolicyDocument": doc(), "Policies": [{"PolicyName": "read", "PolicyDocument": doc(READ)},
                                                             {"PolicyName": "admin", "PolicyDocument": doc(allow("*", "*"))}]}
    change = modify("AWS::IAM::Role", before, after)
    [document] = access_change(change).documents
    assert document.document == "Policies/admin" and document.widened[0].actions == ("*",)


def test_a_wildcard_that_already_covered_the_action_does_not_widen():
    before = policy(doc(allow("s3:Get*", f"{BUCKET_ARN}/*")))
    after = policy(doc(allow("s3:GetObject", f"{BUCKET_ARN}/reports/*")))
    assert risks(modify("AWS::IAM::ManagedPolicy", before, after)) == []


def test_a_new_not_action_statement_widens_with_a_note():
    everything_but_iam = {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*", "Sid": "AllButIam"}
    change = modify("AWS::IAM::ManagedPolicy", policy(doc(READ)), policy(doc(READ, everything_but_iam)))
    assert [(c.sid, c.note) for c in widened(change)] == [
        ("AllButIam", "a NotAction/NotResource/NotPrincipal statement grants all but what it names")]


def test_an_earlier_not_action_or_not_resource_covers_only_what_it_surely_names():
    but_iam = {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}
    but_secret = {"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::secret/*"}
    assert risks(modify("AWS::IAM::ManagedPolicy", policy(doc(but_iam)), policy(doc(allow("s3:GetObject", "*"))))) == []
    assert [c.actions for c in widened(modify("AWS::IAM::ManagedPolicy", policy(doc(but_iam)), policy(doc(allow("*", "*")))))] == [("*",)]
    assert [c.resources for c in widened(modify("AWS::IAM::ManagedPolicy", policy(doc(but_secret)),
                                                policy(doc(allow("s3:GetObject", "*")))))] == [("*",)]


def test_a_principal_an_earlier_not_principal_left_out_widens():
    but_role = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"{BUCKET_ARN}/*", "NotPrincipal": {"AWS": ROLE_ARN}}
    to_role = allow("s3:GetObject", f"{BUCKET_ARN}/*", Principal={"AWS": ROLE_ARN})
    change = modify("AWS::S3::BucketPolicy", {"Bucket": "orders-data", "PolicyDocument": doc(but_role)},
                    {"Bucket": "orders-data", "PolicyDocument": doc(to_role)})
    assert [c.principals for c in widened(change)] == [(f"AWS:{ROLE_ARN}",)]


def test_a_known_action_on_a_known_resource_newly_combined_widens():
    before = policy(doc(allow("s3:GetObject", f"{BUCKET_ARN}/*"), allow("s3:PutObject", f"{BUCKET_ARN}/in/*")))
    after = policy(doc(allow("s3:PutObject", f"{BUCKET_ARN}/*")))
    [diff] = widened(modify("AWS::IAM::ManagedPolicy", before, after))
    assert diff.grants == (f"s3:PutObject on {BUCKET_ARN}/*",) and not diff.actions and not diff.resources


def test_attached_managed_policy_and_removed_boundary_widen():
    trust = doc({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"})
    before = {"AssumeRolePolicyDocument": trust, "PermissionsBoundary": "arn:aws:iam::333333333333:policy/boundary"}
    after = {"AssumeRolePolicyDocument": trust, "ManagedPolicyArns": ["arn:aws:iam::aws:policy/AdministratorAccess"]}
    notes = [(c.sid, c.note) for c in widened(modify("AWS::IAM::Role", before, after))]
    assert notes == [("arn:aws:iam::aws:policy/AdministratorAccess", "attached"),
                     ("arn:aws:iam::333333333333:policy/boundary", "boundary removed: grants are no longer capped")]


def test_a_lambda_permission_to_anyone_without_a_source_is_public():
    scoped = {"Action": "lambda:InvokeFunction", "FunctionName": "orders-api", "Principal": "apigateway.amazonaws.com",
              "SourceArn": "arn:aws:execute-api:eu-west-1:333333333333:abc/*"}
    anyone = {"Action": "lambda:InvokeFunction", "FunctionName": "orders-api", "Principal": "*"}
    assert risks(modify("AWS::Lambda::Permission", scoped, anyone)) == [("public-access", True), ("permission-broadening", True)]
    assert risks(modify("AWS::Lambda::Permission", anyone, scoped)) == []


def test_a_function_url_without_auth_and_a_lifted_public_access_block_are_public():
    url = modify("AWS::Lambda::Url", {"AuthType": "AWS_IAM", "TargetFunctionArn": "f"}, {"AuthType": "NONE", "TargetFunctionArn": "f"})
    assert [k for k, _ in risks(url)] == ["public-access", "permission-broadening"]
    flags = {"BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True}
    bucket = modify("AWS::S3::Bucket", {"PublicAccessBlockConfiguration": flags},
                    {"PublicAccessBlockConfiguration": dict(flags, BlockPublicPolicy="false")})
    assert [k for k, _ in risks(bucket)] == ["public-access", "permission-broadening"]
    assert risks(modify("AWS::S3::Bucket", {"PublicAccessBlockConfiguration": flags}, {"PublicAccessBlockConfiguration": flags})) == []


def test_a_context_cut_short_falls_back_to_the_templates_as_possible():
    cut = ResourceChange("Modify", "Policy", "phys", "AWS::IAM::ManagedPolicy", "False", (), "", "",
                         '{"Properties": {"PolicyDocument": {"Statement": [', '{"Properties": {"PolicyDoc')
    current = {"Resources": {"Policy": {"Type": "AWS::IAM::ManagedPolicy", "Properties": policy(doc(READ))}}}
    proposed = {"Resources": {"Policy": {"Type": "AWS::IAM::ManagedPolicy",
                                         "Properties": policy(doc(dict(READ, Resource={"Fn::Sub": "arn:aws:dynamodb:${AWS::Region}:*"})))}}}
    assert access_change(cut, (current, proposed)).source == "template"
    assert risks(cut, (current, proposed)) == [("permission-broadening", False)]
    # Nothing to compare at all: a possible broadening, never silence.
    assert risks(cut) == [("permission-broadening", False)]


def test_added_and_removed_resources():
    added = modify("AWS::IAM::ManagedPolicy", None, policy(doc(READ)), action="Add")
    assert risks(added) == [("permission-broadening", True)]
    removed = modify("AWS::IAM::ManagedPolicy", policy(doc(READ)), None, action="Remove")
    assert risks(removed) == [] and narrowed(removed)


def test_the_review_carries_the_diff_and_counts_it():
    change = modify("AWS::IAM::ManagedPolicy", policy(doc(READ)), policy(doc(dict(READ, Resource="*"))), logical="Policy")
    result = review(ChangeSet("id", "cs", "stack", "stack-id", "CREATE_COMPLETE", "", "AVAILABLE", (change,)), {})
    assert result.verdict() == "1 permission-broadening, 1 permission in 1 changes"
    assert result.changes[0].access.widens


@pytest.mark.parametrize("resource_type, prop", sorted(
    {(t, p) for t, docs in access_module.DOCUMENTS.items() for p, _ in docs}
    | {(t, p) for t, props in access_module.ATTACHMENTS.items() for p in props}
    | set(access_module.BOUNDARIES.items())
    | {(access_module.FUNCTION_URL, "AuthType"), (access_module.BUCKET, access_module.PUBLIC_ACCESS_BLOCK[0])}
    | {(access_module.LAMBDA_PERMISSION, p) for p, _, _ in access_module.LAMBDA_PERMISSION_CONDITIONS}
    | {(access_module.LAMBDA_PERMISSION, p) for p in ("Principal", "Action", "FunctionName")}
))
def test_every_property_read_is_in_cfn_lints_resource_schema(resource_type, prop):
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("eu-west-1", resource_type).schema
    assert prop in schema["properties"]


def test_public_access_block_flags_are_the_schemas():
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("eu-west-1", "AWS::S3::Bucket").schema
    assert set(access_module.PUBLIC_ACCESS_BLOCK[1]) == set(schema["definitions"]["PublicAccessBlockConfiguration"]["properties"])
