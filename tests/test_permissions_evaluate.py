"""The IAM evaluator against the cases of the IAM User Guide's "Policy evaluation logic",
"Permissions boundaries for IAM entities", "Cross-account policy evaluation logic",
"IAM JSON policy elements: NotAction" and "...Condition operators" (IfExists)."""

from __future__ import annotations

import pytest

from pipekit.checks.permissions.evaluate import ALLOWED, DENIED, UNPROVABLE, Policy, Principal, Request, evaluate
from pipekit.checks.permissions.glob import match
from pipekit.checks.permissions.unknown import unknown

ALICE = Principal("arn:aws:iam::111122223333:role/alice", "111122223333")


def policy(*statements: dict) -> Policy:
    return Policy("test", {"Version": "2012-10-17", "Statement": list(statements)})


def allow(action, resource="*", **extra) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action, resource="*", **extra) -> dict:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def ask(action, resource="*", principal=ALICE, account="", context=None, decided=()) -> Request:
    return Request(principal, action, resource, account, {k.lower(): v for k, v in (context or {}).items()},
                   frozenset(k.lower() for k in decided))


def test_nothing_allows_means_implicit_deny():
    decision = evaluate(ask("s3:GetObject", "arn:aws:s3:::bucket/key"), [policy(allow("s3:ListBucket"))])
    assert (decision.outcome, decision.reason) == (DENIED, "no-allow")


def test_explicit_deny_overrides_any_allow():
    # "An explicit deny in any policy overrides any allows."
    decision = evaluate(ask("dynamodb:DeleteTable", "arn:aws:dynamodb:us-east-1:111122223333:table/Books"),
                        [policy(allow("dynamodb:*")), policy(deny("dynamodb:DeleteTable", "arn:aws:dynamodb:*:*:table/*"))])
    assert (decision.outcome, decision.reason) == (DENIED, "explicit-deny")
    assert "test" in decision.detail


def test_actions_match_case_insensitively_resources_case_sensitively():
    identity = [policy(allow("S3:getobject", "arn:aws:s3:::Bucket/*"))]
    assert evaluate(ask("s3:GetObject", "arn:aws:s3:::Bucket/a"), identity).outcome == ALLOWED
    assert evaluate(ask("s3:GetObject", "arn:aws:s3:::bucket/a"), identity).outcome == DENIED


def test_wildcards_star_and_question_mark():
    identity = [policy(allow("iam:Get*", "arn:aws:iam::111122223333:role/app-?-*"))]
    assert evaluate(ask("iam:GetRole", "arn:aws:iam::111122223333:role/app-1-web"), identity).allowed
    assert not evaluate(ask("iam:GetRole", "arn:aws:iam::111122223333:role/app-12-web"), identity).allowed
    assert not evaluate(ask("iam:PutRolePolicy", "arn:aws:iam::111122223333:role/app-1-web"), identity).allowed


def test_permissions_boundary_is_an_intersection():
    # The guide's example: the identity policy grants iam:CreateUser, the boundary only
    # s3, cloudwatch and ec2: CreateUser is denied, S3 allowed, and CloudWatch denied
    # because no identity policy grants it.
    identity = [policy(allow(["s3:*", "iam:CreateUser"]))]
    boundary = [policy(allow(["s3:*", "cloudwatch:*", "ec2:*"]))]
    assert evaluate(ask("s3:GetObject", "arn:aws:s3:::b/k"), identity, boundary).allowed
    created = evaluate(ask("iam:CreateUser", "arn:aws:iam::111122223333:user/bob"), identity, boundary)
    assert (created.outcome, created.reason) == (DENIED, "boundary")
    watched = evaluate(ask("cloudwatch:PutMetricData"), identity, boundary)
    assert (watched.outcome, watched.reason) == (DENIED, "no-allow")


def test_both_failing_parts_are_reported():
    decision = evaluate(ask("iam:CreateUser"), [policy(allow("s3:*"))], [policy(allow("ec2:*"))])
    assert decision.reasons == ("no-allow", "boundary")


def test_cross_account_needs_both_sides():
    bucket = "arn:aws:s3:::other-bucket/report.csv"
    identity = [policy(allow("s3:GetObject", "arn:aws:s3:::other-bucket/*"))]
    trusting = Policy("bucket policy", {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                                                         "Action": "s3:GetObject", "Resource": "arn:aws:s3:::other-bucket/*"}]})
    silent = Policy("bucket policy", {"Statement": []})
    assert evaluate(ask("s3:GetObject", bucket, account="444455556666"), identity, None, trusting).allowed
    only_identity = evaluate(ask("s3:GetObject", bucket, account="444455556666"), identity, None, silent)
    assert (only_identity.outcome, only_identity.reason) == (DENIED, "resource-policy")
    only_resource = evaluate(ask("s3:GetObject", bucket, account="444455556666"), [], None, trusting)
    assert (only_resource.outcome, only_resource.reason) == (DENIED, "no-allow")


def test_same_account_resource_policy_naming_the_principal_is_enough():
    bucket = Policy("bucket policy", {"Statement": [{"Effect": "Allow", "Principal": {"AWS": ALICE.arn},
                                                       "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]})
    assert evaluate(ask("s3:GetObject", "arn:aws:s3:::b/k", account=ALICE.account), [], None, bucket).allowed


def test_kms_key_policy_must_allow_even_in_the_same_account():
    key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd"
    identity = [policy(allow("kms:Decrypt", key))]
    root = Policy("key policy", {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                                                 "Action": "kms:*", "Resource": "*"}]})
    other = Policy("key policy", {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/admin"},
                                                  "Action": "kms:*", "Resource": "*"}]})
    assert evaluate(ask("kms:Decrypt", key), identity, None, root, resource_policy_required=True).allowed
    assert not evaluate(ask("kms:Decrypt", key), [], None, root, resource_policy_required=True).allowed
    refused = evaluate(ask("kms:Decrypt", key), identity, None, other, resource_policy_required=True)
    assert (refused.outcome, refused.reason) == (DENIED, "resource-policy")


def test_not_action_allows_everything_else():
    # "Allow NotAction iam:* on *": everything except IAM.
    identity = [policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})]
    assert evaluate(ask("s3:ListAllMyBuckets"), identity).allowed
    assert not evaluate(ask("iam:CreateUser"), identity).allowed


def test_not_resource():
    identity = [policy({"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret/*"})]
    assert evaluate(ask("s3:GetObject", "arn:aws:s3:::public/a"), identity).allowed
    assert not evaluate(ask("s3:GetObject", "arn:aws:s3:::secret/a"), identity).allowed


def test_deny_unless_mfa_with_bool_if_exists():
    # The guide's BoolIfExists example: deny everything but IAM when MFA is absent or false.
    identity = [policy(allow("*"), {"Effect": "Deny", "NotAction": "iam:*", "Resource": "*",
                                    "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}})]
    assert evaluate(ask("ec2:RunInstances", context={"aws:MultiFactorAuthPresent": ("true",)}), identity).allowed
    assert evaluate(ask("ec2:RunInstances", decided=["aws:MultiFactorAuthPresent"]), identity).reason == "explicit-deny"
    assert evaluate(ask("ec2:RunInstances"), identity).outcome == UNPROVABLE  # nobody said whether MFA was used


def test_string_like_if_exists():
    # The guide's example: instance types t1/t2/m3 only, and requests without the key pass.
    identity = [policy(allow("ec2:*", Condition={"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}}))]
    assert evaluate(ask("ec2:RunInstances", context={"ec2:InstanceType": ("t2.micro",)}), identity).allowed
    assert not evaluate(ask("ec2:RunInstances", context={"ec2:InstanceType": ("m4.large",)}), identity).allowed
    assert evaluate(ask("ec2:CreateTags", decided=["ec2:InstanceType"]), identity).allowed
    assert evaluate(ask("ec2:RunInstances"), identity).outcome == UNPROVABLE


def test_pass_role_only_to_one_service():
    identity = [policy(allow("iam:PassRole", "arn:aws:iam::111122223333:role/exec",
                             Condition={"StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}}))]
    role = "arn:aws:iam::111122223333:role/exec"
    assert evaluate(ask("iam:PassRole", role, context={"iam:PassedToService": ("cloudformation.amazonaws.com",)}), identity).allowed
    assert not evaluate(ask("iam:PassRole", role, context={"iam:PassedToService": ("lambda.amazonaws.com",)}), identity).allowed


def test_negated_operator_holds_when_the_key_is_absent():
    identity = [policy(allow("s3:GetObject"), deny("s3:GetObject", Condition={"StringNotEquals": {"aws:SourceVpc": "vpc-1"}}))]
    assert evaluate(ask("s3:GetObject", decided=["aws:SourceVpc"]), identity).reason == "explicit-deny"
    assert evaluate(ask("s3:GetObject", context={"aws:SourceVpc": ("vpc-1",)}), identity).allowed


def test_arn_like_and_principal_arn_in_a_resource_policy():
    key = Policy("key policy", {"Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:Decrypt", "Resource": "*",
        "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/ali*"}}}]})
    arn = "arn:aws:kms:us-east-1:444455556666:key/k"
    identity = [policy(allow("kms:Decrypt", arn))]
    assert evaluate(ask("kms:Decrypt", arn, account="444455556666"), identity, None, key).allowed
    bob = Principal("arn:aws:iam::111122223333:role/bob", "111122223333")
    assert evaluate(ask("kms:Decrypt", arn, principal=bob, account="444455556666"), identity, None, key).reason == "resource-policy"


def test_an_operator_it_does_not_know_is_never_allowed():
    identity = [policy(allow("s3:GetObject", Condition={"NumericLessThan": {"s3:max-keys": "10"}}))]
    decision = evaluate(ask("s3:GetObject", context={"s3:max-keys": ("5",)}), identity)
    assert decision.outcome == UNPROVABLE and "cannot tell" in decision.detail


def test_a_deny_it_cannot_decide_makes_an_allow_unprovable():
    identity = [policy(allow("s3:*"), deny("s3:*", Condition={"StringEquals": {"aws:ResourceTag/env": "prod"}}))]
    decision = evaluate(ask("s3:GetObject", "arn:aws:s3:::b/k"), identity)
    assert decision.outcome == UNPROVABLE and "Deny may apply" in decision.detail


def test_service_principal_needs_the_resource_policy():
    topic = "arn:aws:sns:us-east-1:111122223333:alerts"
    rule = "arn:aws:events:us-east-1:111122223333:rule/failed"
    topic_policy = Policy("topic policy", {"Statement": [{"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
                                                           "Action": "sns:Publish", "Resource": topic,
                                                           "Condition": {"ArnEquals": {"aws:SourceArn": rule}}}]})
    events = Principal("events.amazonaws.com")
    assert evaluate(ask("sns:Publish", topic, principal=events, context={"aws:SourceArn": (rule,)}), [], None, topic_policy).allowed
    other = ask("sns:Publish", topic, principal=events, context={"aws:SourceArn": (rule + "-other",)})
    assert evaluate(other, [], None, topic_policy).outcome == DENIED


@pytest.mark.parametrize(
    "pattern, value, expected",
    [
        ("arn:aws:lambda:*:function:app-*", "arn:aws:lambda:*:function:app-" + unknown("generated"), True),
        ("arn:aws:kms:r:1:key/" + unknown("key id"), "arn:aws:kms:r:1:key/" + unknown("key id"), True),
        ("arn:aws:kms:r:1:key/abc", "arn:aws:kms:r:1:key/" + unknown("key id"), None),
        ("arn:aws:kms:r:1:key/abc", "arn:aws:kms:r:2:key/" + unknown("key id"), False),
        ("arn:aws:s3:::b/?", "arn:aws:s3:::b/" + unknown("one char?"), None),
        ("arn:aws:logs:*", "*", False),  # a request on "*" is for the literal "*"
        ("*", "*", True),
    ],
)
def test_matching_with_unknown_parts(pattern, value, expected):
    assert match(pattern, value) is expected
