"""pipekit: a cross-account AWS delivery pipeline for .NET services, from one pipekit.yaml."""

__version__ = "0.1.0"
