"""pipekit dev output: the build's commands, code that went straight into a function (with
the note that this is for dev only), watch rounds and destroy results. Plain lines, or
one JSON object per line with --format json; deploy's own reporter shows the stack."""

from __future__ import annotations

import json
from typing import Any

from pipekit.project.build_commands import shell_line

DIRECT_CODE_NOTE = (
    "dev only: the code went straight into the function (UpdateFunctionCode, then a new version on the live alias); "
    "no change set, no traffic shift, no hooks. The stack's template still names the previous code until the next "
    "deploy that changes more than code; pipekit deploy never does this."
)


class DevReporter:
    def __init__(self, output_format: str) -> None:
        self.json = output_format == "json"

    def emit(self, document: dict[str, Any]) -> None:
        print(json.dumps(document, default=str), flush=True)

    def say(self, line: str) -> None:
        print(line, flush=True)

    def __call__(self, event: Any) -> None:
        from pipekit.develop.deploy import Building, CodeUpdated

        if isinstance(event, Building):
            if self.json:
                self.emit({"event": "build", "command": list(event.command)})
            else:
                self.say(f"build: {shell_line(event.command)}")
        elif isinstance(event, CodeUpdated):
            if self.json:
                self.emit({"event": "code_updated", "logical_id": event.logical_id, "function": event.function,
                           "version": event.version, "seconds": round(event.seconds, 3), "note": DIRECT_CODE_NOTE})
            else:
                alias = f", live -> version {event.version}" if event.version else ""
                self.say(f"{event.logical_id}: code updated in {event.function}{alias} ({event.seconds:.1f}s)")

    def round_done(self, done: Any) -> None:
        if self.json:
            self.emit({"event": "round", "path": done.path, "ok": done.ok})
        elif done.path == "code":
            self.say(f"note: {DIRECT_CODE_NOTE}")
        elif done.path == "nothing":
            self.say("no change in the built code; nothing to deploy")

    def watching(self, roots: list[str]) -> None:
        if self.json:
            self.emit({"event": "watching", "paths": roots})
        else:
            self.say(f"watching {', '.join(roots)} for changes (Ctrl-C stops)")

    def changes(self, paths: list[str]) -> None:
        if self.json:
            self.emit({"event": "changed", "paths": paths})
        else:
            shown = ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
            self.say(f"changed: {shown}")

    def failed(self, message: str) -> None:
        if self.json:
            self.emit({"event": "error", "message": message})
        else:
            self.say(f"error: {message} (still watching)")

    def destroyed(self, result: Any) -> None:
        if self.json:
            self.emit({"event": "destroy", "stack": result.stack, "result": result.result, "reason": result.reason})
            return
        self.say({
            "absent": f"{result.stack} does not exist; nothing to destroy",
            "declined": f"{result.stack} was left as it is",
            "deleted": f"{result.stack}: DELETE_COMPLETE",
            "failed": f"{result.stack}: could not be deleted: {result.reason}",
        }[result.result])
