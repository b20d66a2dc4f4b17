#!/usr/bin/env bash
# Installs axe-core (the accessibility checker the browser tests inject into each page) from
# the npm registry into .tools/axe/, at one pinned version, checked against its published
# integrity. Quiet when it is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=4.10.3
DESTINO=.tools/axe
if [ -f "$DESTINO/node_modules/axe-core/axe.min.js" ] \
  && grep -q "\"version\": \"$VERSION\"" "$DESTINO/node_modules/axe-core/package.json"; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "axe: npm is needed to install axe-core (Debian: apt-get install npm)" >&2
  exit 1
fi
mkdir -p "$DESTINO"
npm install --prefix "$DESTINO" --no-audit --no-fund --no-save --silent "axe-core@$VERSION"
