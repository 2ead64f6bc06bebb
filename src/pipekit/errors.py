"""pipekit's own errors. Each carries the exit code the CLI turns it into."""

from __future__ import annotations

# Exit codes, documented in docs/commands.md.
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_GATE = 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C


class PipekitError(Exception):
    """An error the user can act on; the CLI prints its message, never a traceback."""

    exit_code = EXIT_FAILED


class ConfigError(PipekitError):
    """pipekit.yaml is missing, unreadable or invalid."""

    exit_code = EXIT_USAGE


class UsageError(PipekitError):
    """The command line asks for something that cannot be done as asked."""

    exit_code = EXIT_USAGE


class Interrupted(PipekitError):
    """Ctrl-C: the message says what AWS goes on doing and what was left."""

    exit_code = EXIT_INTERRUPTED
