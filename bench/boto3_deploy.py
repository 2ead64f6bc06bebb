"""The baseline for bench/deploy.py: the least a boto3 script must do to deploy a stack
through a change set (create, poll, execute, poll). Polls every 0.1 s.

    python bench/boto3_deploy.py TEMPLATE STACK_NAME
"""

import sys
import time

import boto3

template, stack = sys.argv[1], sys.argv[2]
cf = boto3.client("cloudformation")
cf.create_change_set(StackName=stack, ChangeSetName="bench", TemplateBody=open(template).read(), ChangeSetType="CREATE")
while cf.describe_change_set(StackName=stack, ChangeSetName="bench")["Status"] not in ("CREATE_COMPLETE", "FAILED"):
    time.sleep(0.1)
cf.execute_change_set(StackName=stack, ChangeSetName="bench")
while cf.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"].endswith("IN_PROGRESS"):
    time.sleep(0.1)
