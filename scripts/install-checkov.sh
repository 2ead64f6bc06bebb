#!/usr/bin/env bash
# checkov pins an old boto3, so it lives in its own virtualenv, never in pipekit's.
# Usage: scripts/install-checkov.sh [VENV_DIR]   (default: .venv-checkov)
set -euo pipefail
venv="${1:-.venv-checkov}"
python="${PYTHON:-python3}"
if [ ! -x "$venv/bin/checkov" ]; then
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip
  "$venv/bin/python" -m pip install --quiet "checkov>=3.2,<4"
fi
"$venv/bin/checkov" --version
