"""Thin modules over boto3, one per AWS service. They return plain dataclasses and raise
pipekit errors; they never print."""
