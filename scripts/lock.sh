#!/usr/bin/env bash
# Resolves the workspace (uv.lock: local, not committed, it records download addresses) and
# writes the committed locks, which name versions and sha256 hashes but no address:
#   requirements.lock      what the services run (third-party packages of every service, no dev
#                          tools): each image installs its service with this file as constraints
#   requirements-dev.lock  all of it plus the dev group and the workspace packages as editables:
#                          `make bootstrap`, `make test`, CI
# Arguments go to `uv lock` (e.g. --upgrade, --upgrade-package NAME).
set -euo pipefail
cd "$(dirname "$0")/.."
export UV_PYTHON_DOWNLOADS=never
bash scripts/bootstrap.sh --uv-only
.tools/bin/uv lock --quiet "$@"
export_lock() {
  .tools/bin/uv export --frozen --quiet --format requirements-txt --no-header "$@"
}
# The root project depends on every service (not on sigexp-testing, which is dev-only).
export_lock --no-dev --no-emit-workspace --output-file requirements.lock
export_lock --all-packages --all-groups --output-file requirements-dev.lock
echo "lock: wrote requirements.lock and requirements-dev.lock; commit both"
