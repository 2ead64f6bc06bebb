"""Permission preflight: proves offline, with IAM's evaluation rules, that every role
along pipekit's chain may do what CloudFormation, CodePipeline, CodeBuild, CodeDeploy
and the service's code will ask of it. Entry point: preflight.preflight(templates, cfg).

Nothing is imported here: the review function ships glob.py (IAM pattern matching, for
the change-set review's policy diff) without the preflight behind it."""
