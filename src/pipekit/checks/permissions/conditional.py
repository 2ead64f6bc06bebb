"""Reviewed data: which handler permissions depend on a property, and which resource a
cross-service permission is asked on.

CloudFormation's resource schemas list every permission a handler may need
(handlers.<op>.permissions); some are called only when the template sets a property.
A rule with `when` is required only if the resource sets one of those paths (relative
to the resource: "Properties.VpcConfig", "UpdatePolicy.CodeDeployLambdaAliasUpdate").
A rule's `on` says where its actions are evaluated when that is not the resource itself:
  "Properties.X"       the value is an ARN (a role, a key)
  "s3:{Properties.A}/{Properties.B}"  an S3 object or bucket built from properties
  "ref:Path"           the resource that Path references (its ARNs by SAR type)
`context` adds condition keys the request carries (iam:PassedToService for PassRole).
Reviewed against the CloudFormation resource reference and each service's API
reference for the types pipekit's service template uses; add a rule here when a
type's handler permission is not always called."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    actions: tuple[str, ...]
    when: tuple[str, ...] = ()
    on: str = ""
    context: tuple[tuple[str, str], ...] = ()
    why: str = ""


def _r(actions: str, when: str = "", on: str = "", context: tuple[tuple[str, str], ...] = (), why: str = "") -> Rule:
    return Rule(tuple(actions.split()), tuple(when.split()), on, context, why)


RULES: dict[str, list[Rule]] = {
    "AWS::Lambda::Function": [
        _r("ec2:DescribeSecurityGroups ec2:DescribeSubnets ec2:DescribeVpcs ec2:DescribeNetworkInterfaces",
           "Properties.VpcConfig", why="network interfaces in a VPC"),
        _r("elasticfilesystem:DescribeMountTargets s3files:ListMountTargets", "Properties.FileSystemConfigs", why="mounted file systems"),
        _r("kms:CreateGrant kms:Decrypt kms:DescribeKey kms:Encrypt kms:GenerateDataKey", "Properties.KmsKeyArn",
           on="Properties.KmsKeyArn", why="environment variables encrypted with a customer managed key"),
        _r("lambda:GetCodeSigningConfig lambda:PutFunctionCodeSigningConfig lambda:DeleteFunctionCodeSigningConfig",
           "Properties.CodeSigningConfigArn", why="code signing"),
        _r("lambda:GetLayerVersion", "Properties.Layers", why="layers"),
        _r("lambda:PutRuntimeManagementConfig", "Properties.RuntimeManagementConfig", why="runtime management"),
        _r("lambda:PutFunctionRecursionConfig", "Properties.RecursiveLoop", why="recursive loop detection setting"),
        _r("lambda:PutFunctionConcurrency lambda:DeleteFunctionConcurrency", "Properties.ReservedConcurrentExecutions", why="reserved concurrency"),
        _r("lambda:PutFunctionScalingConfig lambda:PassCapacityProvider", "Properties.CapacityProviderConfig Properties.FunctionScalingConfig",
           why="Lambda managed instances"),
        _r("lambda:PublishVersion", "Properties.PublishToLatestPublished", why="publishing on update"),
        _r("iam:PassRole", on="Properties.Role", context=(("iam:PassedToService", "lambda.amazonaws.com"),), why="the execution role"),
        _r("s3:GetObject", "Properties.Code.S3Bucket", on="s3:{Properties.Code.S3Bucket}/{Properties.Code.S3Key}", why="code from S3"),
        _r("s3:GetObjectVersion", "Properties.Code.S3ObjectVersion", on="s3:{Properties.Code.S3Bucket}/{Properties.Code.S3Key}",
           why="a pinned code version"),
    ],
    "AWS::Lambda::Version": [
        _r("lambda:PutProvisionedConcurrencyConfig", "Properties.ProvisionedConcurrencyConfig", why="provisioned concurrency"),
        _r("lambda:PutRuntimeManagementConfig", "Properties.RuntimePolicy", why="runtime management"),
        _r("lambda:PutFunctionScalingConfig", "Properties.FunctionScalingConfig", why="Lambda managed instances"),
    ],
    "AWS::Lambda::Alias": [
        _r("lambda:PutProvisionedConcurrencyConfig lambda:DeleteProvisionedConcurrencyConfig", "Properties.ProvisionedConcurrencyConfig",
           why="provisioned concurrency"),
        # SAM's DeploymentPreference: the alias update becomes a CodeDeploy deployment.
        _r("codedeploy:CreateDeployment codedeploy:GetDeployment codedeploy:GetDeploymentGroup codedeploy:GetDeploymentConfig codedeploy:StopDeployment",
           "UpdatePolicy.CodeDeployLambdaAliasUpdate", on="ref:UpdatePolicy.CodeDeployLambdaAliasUpdate.DeploymentGroupName",
           why="traffic shifting through CodeDeploy"),
    ],
    "AWS::DynamoDB::Table": [
        _r("dynamodb:ImportTable dynamodb:DescribeImport s3:GetObject s3:GetObjectMetadata s3:ListBucket logs:CreateLogGroup "
           "logs:CreateLogStream logs:DescribeLogGroups logs:DescribeLogStreams logs:PutLogEvents logs:PutRetentionPolicy",
           "Properties.ImportSourceSpecification", why="import from S3"),
        _r("dynamodb:EnableKinesisStreamingDestination dynamodb:DisableKinesisStreamingDestination dynamodb:UpdateKinesisStreamingDestination "
           "kinesis:DescribeStream kinesis:PutRecords", "Properties.KinesisStreamSpecification", why="a Kinesis streaming destination"),
        _r("dynamodb:UpdateContributorInsights", "Properties.ContributorInsightsSpecification", why="contributor insights"),
        _r("dynamodb:PutResourcePolicy dynamodb:DeleteResourcePolicy", "Properties.ResourcePolicy", why="a resource policy"),
        _r("dynamodb:UpdateTimeToLive", "Properties.TimeToLiveSpecification", why="time to live"),
        _r("dynamodb:UpdateContinuousBackups", "Properties.PointInTimeRecoverySpecification", why="point-in-time recovery"),
        _r("kms:CreateGrant kms:Decrypt kms:DescribeKey kms:Encrypt kms:RevokeGrant", "Properties.SSESpecification.KMSMasterKeyId",
           on="Properties.SSESpecification.KMSMasterKeyId", why="encryption with a customer managed key"),
        _r("kms:ListAliases", "Properties.SSESpecification.KMSMasterKeyId", why="encryption with a customer managed key"),
        # The table handler is shared with replica management (global tables): replicas
        # copy items and need DynamoDB's replication service-linked role. AWS::DynamoDB::Table
        # has no replica property, so no template of this type triggers them.
        _r("dynamodb:CreateTableReplica dynamodb:AssociateTableReplica dynamodb:Scan dynamodb:Query dynamodb:UpdateItem "
           "dynamodb:PutItem dynamodb:GetItem dynamodb:DeleteItem dynamodb:BatchWriteItem iam:CreateServiceLinkedRole",
           "Properties.Replicas", why="replicas (AWS::DynamoDB::GlobalTable)"),
    ],
    "AWS::Logs::LogGroup": [
        _r("logs:PutDataProtectionPolicy logs:DeleteDataProtectionPolicy", "Properties.DataProtectionPolicy", why="a data protection policy"),
        _r("logs:PutIndexPolicy logs:DeleteIndexPolicy", "Properties.FieldIndexPolicies", why="field index policies"),
        _r("logs:PutResourcePolicy logs:DeleteResourcePolicy", "Properties.ResourcePolicyDocument", why="a resource policy"),
        _r("logs:PutBearerTokenAuthentication", "Properties.BearerTokenAuthenticationEnabled", why="bearer token authentication"),
        _r("logs:PutLogGroupDeletionProtection", "Properties.DeletionProtectionEnabled", why="deletion protection"),
        _r("logs:CreateLogDelivery firehose:TagDeliveryStream", "Properties.LogGroupClass", why="a delivery log group class"),
    ],
    "AWS::ApiGatewayV2::Api": [
        _r("s3:GetObject", "Properties.BodyS3Location", on="s3:{Properties.BodyS3Location.Bucket}/{Properties.BodyS3Location.Key}",
           why="an OpenAPI body from S3"),
    ],
    "AWS::CodeDeploy::DeploymentGroup": [
        _r("codedeploy:RegisterOnPremisesInstance", "Properties.OnPremisesInstanceTagFilters Properties.OnPremisesTagSet", why="on-premises instances"),
        _r("codedeploy:CreateDeployment codedeploy:GetApplicationRevision codedeploy:RegisterApplicationRevision codedeploy:StopDeployment",
           "Properties.Deployment", why="a deployment started with the group"),
        _r("iam:PassRole", on="Properties.ServiceRoleArn", context=(("iam:PassedToService", "codedeploy.amazonaws.com"),), why="the service role"),
    ],
}


# Asks a resource's schema does not list, but AWS documents, for the caller of the
# handler: the service makes these calls with the caller's own permissions when the
# property is set. Each entry cites the statement.
DOCUMENTED: dict[str, list[Rule]] = {
    # Access logging of an HTTP API stage: API Gateway sets up a CloudWatch Logs delivery
    # to the log group (and the account's Logs resource policy that lets it write there).
    # API Gateway Developer Guide, "Configure logging for HTTP APIs", permissions to
    # activate logging (its second statement; the first one lets a person read the logs):
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging.html
    "AWS::ApiGatewayV2::Stage": [
        _r("logs:CreateLogDelivery logs:PutResourcePolicy logs:UpdateLogDelivery logs:DeleteLogDelivery logs:CreateLogGroup "
           "logs:DescribeResourcePolicies logs:GetLogDelivery logs:ListLogDeliveries", "Properties.AccessLogSettings",
           on="ref:Properties.AccessLogSettings.DestinationArn", why="access logging (API Gateway's log delivery)"),
    ],
}
