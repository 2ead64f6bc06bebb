"""The change-set review as a Lambda function in the build account: `handler` runs in
Lambda (boto3 from the runtime, pipekit's own review code from the package), `package`
builds that package on the deploying machine from the pipekit that deploys it."""
