"""Putting a release out: deploy plans and runs, change-set review and risk rules, approvals."""
