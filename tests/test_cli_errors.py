"""Usage errors read like pipekit's other errors: one line, exit 2, where to look."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from pipekit.cli import main


@pytest.mark.parametrize("args, line", [
    (["deploy", "--acount", "build"], "error: No such option '--acount'. Did you mean '--account'? (see `pipekit deploy --help`)"),
    (["rollback"], "error: Missing option '--env'. (see `pipekit rollback --help`)"),
    (["changeset", "show", "--format", "xml"],
     "error: Invalid value for '--format': 'xml' is not one of 'table', 'json', 'markdown'. (see `pipekit changeset show --help`)"),
    (["completion"], "error: Missing argument '{bash|zsh|fish}'. Choose from: bash, zsh, fish (see `pipekit completion --help`)"),
    (["--bogus"], "error: No such option '--bogus'. Did you mean '--verbose'? (see `pipekit --help`)"),
    (["depoly"], "error: No such command 'depoly'. Did you mean 'deploy'? (see `pipekit --help`)"),
    (["stauts", "--env", "prod"], "error: No such command 'stauts'. Did you mean 'status'? (see `pipekit --help`)"),
    (["frobnicate"], "error: No such command 'frobnicate'. (see `pipekit --help`)"),
    (["dev", "deplyo"], "error: No such command 'deplyo'. Did you mean 'deploy'? (see `pipekit dev --help`)"),
])
def test_a_usage_error_is_one_line_and_exit_2(args, line):
    result = CliRunner().invoke(main, args, prog_name="pipekit")
    assert result.exit_code == 2
    assert result.output == line + "\n"
