#!/usr/bin/env bash
# Runs the type check and the Jest suite against the oldest rxjs the peer range (^7.8.0) admits,
# rxjs 7.8.0, instead of the 7.8.2 the lockfile installs; then puts 7.8.2 back, whatever happened.
# On demand (not part of `npm test`: it is a second full run of the suite).
#
#   scripts/check-peers.sh                          type check + the whole suite
#   scripts/check-peers.sh spec/subject spec/operators   type check + those specs only
#   RXJS_VERSION=7.8.1 scripts/check-peers.sh       another version
#
# It installs with `npm install --no-save` (package.json and package-lock.json are backed up and
# restored too), so run it in a checkout where nothing else uses node_modules meanwhile.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
version="${RXJS_VERSION:-7.8.0}"
installed() { node -p "require('rxjs/package.json').version"; }
locked="$(node -p "require('./package-lock.json').packages['node_modules/rxjs'].version")"

backup="$(mktemp -d)"
cp package.json package-lock.json "$backup/"
restore() {
  local status=$?
  cp "$backup/package.json" "$backup/package-lock.json" .
  npm install --no-save --no-audit --no-fund --ignore-scripts "rxjs@$locked" >/dev/null
  cp "$backup/package.json" "$backup/package-lock.json" .
  rm -rf "$backup"
  echo "check-peers: rxjs restored to $(installed)"
  exit "$status"
}
trap restore EXIT

npm install --no-save --no-audit --no-fund --ignore-scripts "rxjs@$version" >/dev/null
if [ "$(installed)" != "$version" ]; then
  echo "check-peers: expected rxjs $version in node_modules, found $(installed)" >&2
  exit 1
fi
echo "check-peers: rxjs $(installed) (locked: $locked)"

npx tsc --noEmit -p tsconfig.json
echo "check-peers: type check passed against rxjs $version"
npx jest "$@"
echo "check-peers: suite passed against rxjs $version"
