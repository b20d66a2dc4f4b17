#!/usr/bin/env bash
# Installs what SIGEXP needs on a fresh machine: uv (from PyPI, into .tools/), the workspace
# (.venv/, from the committed lockfile) and, only when missing, the Debian packages it uses.
set -euo pipefail
cd "$(dirname "$0")/.."
export UV_PYTHON_DOWNLOADS=never

if [ ! -x .tools/bin/uv ]; then
  python3 -m venv .tools
  .tools/bin/pip install --quiet --disable-pip-version-check "uv>=0.9,<0.14"
fi
.tools/bin/uv sync --frozen --quiet
