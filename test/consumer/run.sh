#!/usr/bin/env bash
# The package as a user gets it: packs effect-determined, installs the tarball into this separate project without
# the network (npm ci --offline, from the cache the root's `npm ci` filled), type-checks and runs its tests.
# SKIP_BUILD=1 packs the dist/ already built (CI builds just before).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
if [ "${SKIP_BUILD:-}" != "1" ]; then npm run build --silent; fi
test -f dist/index.js || { echo "dist/ is missing: run npm run build first" >&2; exit 1; }
rm -f "$here"/effect-determined-*.tgz "$here/effect-determined.tgz"
npm pack --ignore-scripts --silent --pack-destination "$here" >/dev/null
mv "$here"/effect-determined-*.tgz "$here/effect-determined.tgz"
cd "$here"
node offline-lock.mjs
rm -rf node_modules
npm ci --offline --no-audit --no-fund --loglevel=error
npm test
