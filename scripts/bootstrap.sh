#!/usr/bin/env bash
# Installs what SIGEXP needs on a fresh machine: uv (from PyPI, into .tools/), the workspace
# (.venv/, from the committed requirements-dev.lock: exact versions, every sha256 checked) and,
# only when missing, the Debian packages it uses.
# Quiet and fast when everything is already there. SIGEXP_SKIP_APT=1 skips the Debian step.
set -euo pipefail

# Debian packages SIGEXP uses: OCR and PDF rendering for archivos, QR decoding for the tests of
# printed carátulas and remitos (zbar-tools), the font the scanned pages of the tests are
# written in (fonts-dejavu-core: accented letters), and the browser the web UI's tests drive
# through Playwright (chromium; Playwright cannot download its own here).
DEBIAN_PACKAGES=(tesseract-ocr tesseract-ocr-spa poppler-utils zbar-tools fonts-dejavu-core
  chromium fonts-liberation)

cd "$(dirname "$0")/.."
export UV_PYTHON_DOWNLOADS=never

missing_debian_packages() {
  local pkg
  for pkg in "${DEBIAN_PACKAGES[@]}"; do
    if ! dpkg -s "$pkg" >/dev/null 2>&1; then
      printf '%s\n' "$pkg"
    fi
  done
}

install_debian_packages() {
  if [ "${SIGEXP_SKIP_APT:-}" = "1" ] || ! command -v dpkg >/dev/null 2>&1; then
    return 0
  fi
  local missing
  mapfile -t missing < <(missing_debian_packages)
  if [ "${#missing[@]}" -eq 0 ]; then
    return 0
  fi
  local line="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then
    echo "bootstrap: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }; then
      # Only OCR and PDF rendering need them: everything else (and the test suite) goes on.
      echo "bootstrap: WARNING: could not install ${missing[*]}; retry with: $line" >&2
    fi
  else
    echo "bootstrap: missing Debian packages (OCR and PDF features need them): ${missing[*]}"
    echo "bootstrap: install them as root with:"
    echo "  $line"
  fi
}

# integraciones makes the ministries' broker users and queues through RabbitMQ's HTTP
# management API (port 15672): enable its plugin on the local node when it is missing.
enable_rabbitmq_management() {
  if [ "${SIGEXP_SKIP_RABBITMQ_PLUGIN:-}" = "1" ] || ! command -v rabbitmq-plugins >/dev/null 2>&1; then
    return 0
  fi
  # Already answering (the quick check: rabbitmq-plugins itself takes seconds to start).
  if (exec 3<>/dev/tcp/127.0.0.1/15672) 2>/dev/null; then
    return 0
  fi
  # No local node running (RabbitMQ elsewhere): nothing to enable here.
  if ! (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; then
    return 0
  fi
  if [ "$(id -u)" -eq 0 ]; then
    echo "bootstrap: enabling RabbitMQ's management plugin (integraciones needs its HTTP API)"
    rabbitmq-plugins enable rabbitmq_management >/dev/null \
      || echo "bootstrap: WARNING: could not enable it; run: rabbitmq-plugins enable rabbitmq_management" >&2
  else
    echo "bootstrap: RabbitMQ's management plugin is off (integraciones needs it); as root run:"
    echo "  rabbitmq-plugins enable rabbitmq_management"
  fi
}

if [ ! -x .tools/bin/uv ]; then
  python3 -m venv .tools
  .tools/bin/pip install -qq --disable-pip-version-check "uv>=0.9,<0.14"
fi
[ "${1:-}" = "--uv-only" ] && exit 0  # scripts/lock.sh needs only uv

install_debian_packages
enable_rabbitmq_management
# The venv is synced only when the lock changed since the last sync (a stamp holds its hash).
LOCK=requirements-dev.lock
stamp=.venv/.sigexp-lock.sha256
wanted=$(sha256sum "$LOCK" | cut -d' ' -f1)
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  [ -x .venv/bin/python ] || .tools/bin/uv venv --quiet --python python3.11 .venv
  # Every locked file must match its recorded hash, or nothing is installed.
  .tools/bin/uv pip sync --quiet --python .venv/bin/python "$LOCK"
  echo "$wanted" > "$stamp"
fi
