"""The pipekit command group. Subcommands load lazily so that `pipekit --help` stays fast
and never imports boto3 or cfn-lint."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, Optional

import click

from pipekit import __version__
from pipekit.errors import EXIT_FAILED, EXIT_INTERRUPTED, PipekitError

# name -> "module:function"; a command's module is imported only when it runs (or for --help).
COMMANDS = {
    "init": "pipekit.cli.init:init",
    "render": "pipekit.cli.render:render",
    "validate": "pipekit.cli.validate:validate",
    "deploy": "pipekit.cli.deploy:deploy",
    "changeset": "pipekit.cli.changeset:changeset",
    "approve": "pipekit.cli.approve:approve",
    "gate": "pipekit.cli.gate:gate",
    "rollback": "pipekit.cli.rollback:rollback",
    "status": "pipekit.cli.status:status",
    "logs": "pipekit.cli.logs:logs",
    "drift": "pipekit.cli.drift:drift",
    "schema": "pipekit.cli.schema:schema",
    "completion": "pipekit.cli.completion:completion",
    "dev": "pipekit.cli.dev:dev",
}


class OneLineUsageError(click.UsageError):
    """click's usage errors as pipekit's other errors read: one line, with where to look."""

    def show(self, file: Any = None) -> None:
        from pipekit.ui.console import error

        where = f" (see `{self.ctx.command_path} --help`)" if self.ctx is not None else ""
        error(" ".join(self.format_message().split()) + where)


def _one_line(exc: click.UsageError) -> OneLineUsageError:
    return exc if isinstance(exc, OneLineUsageError) else OneLineUsageError(exc.format_message(), exc.ctx)


class PipekitGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> Optional[click.Command]:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        return getattr(importlib.import_module(module), attr)

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple[Optional[str], Optional[click.Command], list[str]]:
        # click suggests from the commands it holds, and this group holds none until one runs.
        name = args[0] if args else ""
        if name in COMMANDS or name.startswith("-") or ctx.resilient_parsing:
            return super().resolve_command(ctx, args)
        import difflib

        close = difflib.get_close_matches(name, list(COMMANDS), n=1)
        raise OneLineUsageError(f"No such command {name!r}." + (f" Did you mean {close[0]!r}?" if close else ""), ctx)

    def make_context(self, info_name: Optional[str], args: list[str], parent: Optional[click.Context] = None, **extra: Any) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            raise _one_line(exc) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:  # a subcommand's options
            raise _one_line(exc) from None
        except PipekitError as exc:
            self._fail(ctx, str(exc), exc, exc.exit_code)
        except (KeyboardInterrupt, click.Abort):
            # Ctrl-C in a command with nothing of its own to settle (deploy has:
            # release/interrupt.py): exit 130 as shells expect, not click's "Aborted!", 1.
            from pipekit.ui.console import error

            error("interrupted; what was already asked of AWS goes on there (see `pipekit status`)")
            ctx.exit(EXIT_INTERRUPTED)
        except Exception as exc:
            # An AWS or credentials failure that no command turned into a pipekit error:
            # still one line, not a traceback. Anything else is a bug and shows as one.
            if not type(exc).__module__.startswith("botocore"):
                raise
            self._fail(ctx, f"AWS: {exc}", exc, EXIT_FAILED)

    @staticmethod
    def _fail(ctx: click.Context, message: str, exc: Exception, exit_code: int) -> None:
        from pipekit.ui.console import error, note
        from pipekit.ui.debug import details

        error(message)
        for line in details(exc, getattr(ctx.obj, "verbosity", 0)):
            note(line)
        ctx.exit(exit_code)


@click.group(cls=PipekitGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="pipekit")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=None,
    help="pipekit.yaml to use, or the folder that holds it (default: the nearest pipekit.yaml in this folder or above). "
    "Its folder is the project folder.",
)
@click.option(
    "--endpoint-url",
    metavar="URL",
    help="Send every AWS call to this endpoint (a local emulator). AWS_ENDPOINT_URL works too.",
)
@click.option("--verbose", "-v", "verbose", is_flag=True, help="On an error, also show the original error it came from (AWS's code, message, request id).")
@click.option("--debug", is_flag=True, help="As --verbose, with the tracebacks.")
@click.pass_context
def main(ctx: click.Context, config_path: Optional[Path], endpoint_url: Optional[str], verbose: bool, debug: bool) -> None:
    """pipekit: a cross-account AWS delivery pipeline for .NET services, from one pipekit.yaml.

    \b
    Typical flow:
      pipekit init --example dotnet-service orders   new project from the bundled example
      pipekit render                                  re-render after editing pipekit.yaml
      pipekit validate                                cfn-lint, SAM transform, cross-checks
      pipekit deploy --account build                  then --account dev, --account prod
      pipekit changeset show --env prod               a change set, its risks and verdict
      pipekit approve --env prod                      answer the gate after seeing its change set
      pipekit gate override --env prod --condition entry   let a release past a stage condition
      pipekit status                                  where every environment stands
      pipekit logs --env prod --version new -f        the new version's lines, as they come
      pipekit dev deploy --watch                      your own stack in dev, from your code
      pipekit rollback --env prod --dry-run           get a bad release out
      pipekit drift --env dev                         what changed outside CloudFormation

    Exit codes: 0 success, 1 the operation failed or found problems, 2 usage or config
    error, 3 a gate tripped on purpose. See docs/commands.md.
    """
    from pipekit.cli.app import Application

    ctx.obj = Application(config_path, endpoint_url)
    ctx.obj.verbosity = 2 if debug else 1 if verbose else 0
