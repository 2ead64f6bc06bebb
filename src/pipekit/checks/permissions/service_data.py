"""Reviewed data about what AWS services call on a principal's behalf, where no
machine-readable source exists. Each entry cites where it comes from."""

from __future__ import annotations

# CodePipeline's CloudFormation deploy action, run with the action's role (the target
# account's deployment role). CodePipeline User Guide, "AWS CloudFormation deploy action
# reference" (service role permissions) and the AWS CDK's CloudFormation pipeline
# actions (aws-codepipeline-actions/lib/cloudformation/pipeline-actions.ts), which
# grant the same calls per action mode. CHANGE_SET_REPLACE deletes a change set of the
# same name before creating the new one; both modes poll the stack and change set.
CLOUDFORMATION_ACTION_CALLS = {
    "CHANGE_SET_REPLACE": ("cloudformation:DescribeStacks", "cloudformation:DescribeChangeSet",
                           "cloudformation:DeleteChangeSet", "cloudformation:CreateChangeSet"),
    "CHANGE_SET_EXECUTE": ("cloudformation:DescribeStacks", "cloudformation:DescribeChangeSet",
                           "cloudformation:ExecuteChangeSet"),
}

# A template with a Transform: CreateChangeSet is also authorized against the
# transform's ARN, for the principal that calls CreateChangeSet. CloudFormation User
# Guide, "Controlling access with IAM" (a user's policy allows CreateChangeSet on
# arn:aws:cloudformation:<region>:aws:transform/Serverless-2016-10-31):
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-iam-template.html
# and "Macro account scope and permissions" (CloudFormation "impersonates the user while
# running the macro", so the stack's service role is not asked):
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-macros.html
TRANSFORM_ARN = "arn:{partition}:cloudformation:{region}:aws:transform/{name}"

# CodePipeline's own use of the artifact store (CodePipeline User Guide, "Manage the
# CodePipeline service role": S3 artifact bucket permissions). GetBucketAcl and
# PutObjectAcl are left out: the bucket enforces bucket-owner ownership, ACLs are off.
PIPELINE_ARTIFACT_OBJECT_CALLS = ("s3:GetObject", "s3:GetObjectVersion", "s3:PutObject")
PIPELINE_ARTIFACT_BUCKET_CALLS = ("s3:GetBucketVersioning", "s3:GetBucketLocation")
# Reading and writing an SSE-KMS object (Amazon S3 User Guide, "Using SSE-KMS":
# permissions): GetObject needs kms:Decrypt, PutObject needs kms:GenerateDataKey.
KMS_FOR_S3_READ = ("kms:Decrypt",)
KMS_FOR_S3_WRITE = ("kms:GenerateDataKey",)
# Publishing to an SSE-KMS topic (Amazon SNS Developer Guide, "Encryption at rest").
KMS_FOR_SNS_PUBLISH = ("kms:GenerateDataKey", "kms:Decrypt")

# Source actions (CodePipeline User Guide, "Manage the CodePipeline service role").
CODECONNECTIONS_SOURCE_CALLS = ("{service}:UseConnection",)
CODECOMMIT_SOURCE_CALLS = ("codecommit:GetBranch", "codecommit:GetCommit", "codecommit:UploadArchive",
                           "codecommit:GetUploadArchiveStatus", "codecommit:CancelUploadArchive")
CODEBUILD_ACTION_CALLS = ("codebuild:StartBuild", "codebuild:BatchGetBuilds")
# A CloudWatchAlarm rule of a stage condition reads its alarm's state (CodePipeline rule
# reference, "CloudWatchAlarm"; the rule names the alarm, DescribeAlarms reads it by name).
ALARM_RULE_CALLS = ("cloudwatch:DescribeAlarms",)

# CodeBuild with a CloudWatch Logs group (CodeBuild User Guide, "Create a CodeBuild
# service role"); the group exists, so no logs:CreateLogGroup.
CODEBUILD_LOG_CALLS = ("logs:CreateLogStream", "logs:PutLogEvents")
# Test reports into an existing report group (CodeBuild User Guide, "Test report permissions").
CODEBUILD_REPORT_CALLS = ("codebuild:CreateReport", "codebuild:UpdateReport", "codebuild:BatchPutTestCases")

# A pipeline's Invoke/Lambda action: the pipeline role invokes the function, which answers
# the job itself (CodePipeline User Guide, "Invoke an AWS Lambda function in a pipeline").
LAMBDA_ACTION_CALLS = ("lambda:InvokeFunction",)
JOB_RESULT_CALLS = ("codepipeline:PutJobSuccessResult", "codepipeline:PutJobFailureResult")
# What the review function reads of its own pipeline to tell a stage rollback
# (pipekit.release.rollback_detection: GetPipelineState, GetPipelineExecution).
ROLLBACK_DETECTION_CALLS = ("codepipeline:GetPipelineState", "codepipeline:GetPipelineExecution")
# What it reads for the release dossier (pipekit.review_function.release_dossier,
# pipekit.release.dossier_sources): the declaration for the stage before, executions and
# action executions for commits and the candidate's builds, then those builds' reports.
DOSSIER_PIPELINE_CALLS = ("codepipeline:GetPipeline", "codepipeline:GetPipelineExecution", "codepipeline:ListPipelineExecutions",
                          "codepipeline:ListActionExecutions")
DOSSIER_BUILD_CALLS = ("codebuild:BatchGetBuilds",)
# The alarm history of the environment before, one call per alarm name (pipekit.aws.cloudwatch
# state_changes with alarm_names), through that environment's review role.
DOSSIER_ALARM_CALLS = ("cloudwatch:DescribeAlarmHistory",)
# IAM Access Analyzer's checks of the changed policy documents (pipekit.release.access_analyzer);
# no resource type in the Service Authorization Reference: "*".
ACCESS_ANALYZER_CALLS = ("access-analyzer:CheckNoNewAccess", "access-analyzer:CheckNoPublicAccess")
DOSSIER_REPORT_CALLS = ("codebuild:BatchGetReports",)

# What `pipekit changeset show` calls through the review role (pipekit.aws.cloudformation:
# pending_change_sets, describe_change_set, get_template).
REVIEW_CALLS = ("cloudformation:ListChangeSets", "cloudformation:DescribeChangeSet", "cloudformation:GetTemplate")
# Before detecting drift the review reads the stack: a CREATE change set has nothing
# deployed to drift (release/changesets.py, _drift).
REVIEW_DRIFT_CALLS = ("cloudformation:DescribeStacks",)

# What the traffic hooks call (templates/service/hooks/*.py), per handler module.
HOOK_CALLS = {
    "pre_traffic": ("codedeploy:PutLifecycleEventHookExecutionStatus", "lambda:InvokeFunction"),
    "post_traffic": ("codedeploy:PutLifecycleEventHookExecutionStatus", "cloudwatch:DescribeAlarms", "cloudwatch:GetMetricData"),
}

# What CodeDeploy does with a Lambda deployment group's service role (CodeDeploy User
# Guide, "Step 2: Create a service role for CodeDeploy", Lambda compute platform).
CODEDEPLOY_LAMBDA_CALLS = ("lambda:GetAlias", "lambda:UpdateAlias", "lambda:GetProvisionedConcurrencyConfig")

# A Lambda function's execution role: writing its logs, and decrypting its environment
# with a customer managed key (Lambda Developer Guide, "Lambda execution role", "Securing
# environment variables").
FUNCTION_LOG_CALLS = ("logs:CreateLogStream", "logs:PutLogEvents")

# What CloudWatch Logs asks of the key of a log group encrypted with a customer managed
# key, as the service principal logs.<region>.amazonaws.com with the group's ARN as
# encryption context (CloudWatch Logs User Guide, "Encrypt log data in CloudWatch Logs
# using AWS Key Management Service": the key policy it documents).
LOG_GROUP_KMS_CALLS = ("kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey")

# Requests that carry iam:PermissionsBoundary (Service Authorization Reference, IAM:
# the actions whose condition keys include iam:PermissionsBoundary, for roles).
PERMISSIONS_BOUNDARY_ACTIONS = frozenset(a.lower() for a in (
    "iam:AttachRolePolicy", "iam:CreateRole", "iam:DeleteRolePermissionsBoundary", "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy",
))

# AWS managed policies pipekit's templates attach (CodeDeployRole) or SAM attaches to
# the roles it makes (AWSLambdaBasicExecutionRole), as published in the AWS Managed
# Policy Reference Guide. Their text is not in the templates; without it nothing
# granted through them could be proven. Review when AWS publishes a new version.
AWS_MANAGED_POLICIES = {
    "service-role/AWSLambdaBasicExecutionRole": {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"},
        ],
    },
    "service-role/AWSCodeDeployRoleForLambdaLimited": {
        "Version": "2012-10-17",
        "Statement": [
            {"Action": ["cloudwatch:DescribeAlarms", "lambda:UpdateAlias", "lambda:GetAlias",
                        "lambda:GetProvisionedConcurrencyConfig", "sns:Publish"],
             "Resource": "*", "Effect": "Allow"},
            {"Action": ["s3:GetObject", "s3:GetObjectVersion"], "Resource": "arn:aws:s3:::*/CodeDeploy/*", "Effect": "Allow"},
            {"Action": ["s3:GetObject", "s3:GetObjectVersion"], "Resource": "*",
             "Condition": {"StringEquals": {"s3:ExistingObjectTag/UseWithCodeDeploy": "true"}}, "Effect": "Allow"},
            {"Action": ["lambda:InvokeFunction"], "Resource": "arn:aws:lambda:*:*:function:CodeDeployHook_*", "Effect": "Allow"},
        ],
    },
}

# What the people who run pipekit's commands call with the managed policies pipekit renders
# for them (chain_people.py). tests/test_approvers_policy.py and tests/test_responders_policy.py
# record every call the commands make and keep these lists equal to them.
# `pipekit approve` (cli/approve.py, release/approvals.py, release/dossier_sources.py):
APPROVE_PIPELINE_CALLS = ("codepipeline:GetPipeline", "codepipeline:GetPipelineState", "codepipeline:GetPipelineExecution",
                          "codepipeline:ListPipelineExecutions", "codepipeline:ListActionExecutions")
APPROVE_ANSWER_CALLS = ("codepipeline:PutApprovalResult",)  # on the stage's approval action
APPROVE_CHANGE_SET_CALLS = ("cloudformation:DescribeChangeSet", "cloudformation:GetTemplate")  # the gated stack
APPROVE_ALARM_CALLS = ("cloudwatch:DescribeAlarmHistory",)  # the service's alarms in the environment before
# `pipekit rollback` and `status` (recovery/observe.py, rollback.py, runner.py, status.py):
RESPOND_PIPELINE_CALLS = ("codepipeline:GetPipeline", "codepipeline:GetPipelineState", "codepipeline:GetPipelineExecution",
                          "codepipeline:ListPipelineExecutions")
RESPOND_STAGE_CALLS = ("codepipeline:RollbackStage",)  # on each environment's stage
RESPOND_STACK_CALLS = ("cloudformation:DescribeStacks", "cloudformation:DescribeStackEvents", "cloudformation:DescribeStackResources",
                       "cloudformation:CancelUpdateStack", "cloudformation:ContinueUpdateRollback", "cloudformation:RollbackStack",
                       "cloudformation:DeleteStack")
RESPOND_DEPLOYMENT_CALLS = ("codedeploy:ListDeployments", "codedeploy:GetDeployment")  # on each deployment group
RESPOND_STAR_CALLS = ("codedeploy:StopDeployment",)  # takes no resource type
RESPOND_FUNCTION_CALLS = ("lambda:GetAlias",)  # each function's live alias (not the hooks')
RESPOND_ALARM_CALLS = ("cloudwatch:DescribeAlarms",)  # each of the service's alarms
