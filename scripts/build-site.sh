#!/usr/bin/env bash
# Builds the frontend with trunk into dist/, size-first.
# The release profile is overridden here, for the wasm build only: its
# artefacts live under target/wasm32-unknown-unknown, apart from the host ones.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
# Panic locations name source files: a dependency's would carry this
# machine's cargo home into the wasm. Trimmed to the registry's own path
# (one fixed flag, whether or not anything is downloaded yet, so the
# build's fingerprint never changes with it).
RUSTFLAGS="${RUSTFLAGS:-} --remap-path-prefix=${CARGO_HOME:-$HOME/.cargo}/registry/src/=" \
CARGO_PROFILE_RELEASE_OPT_LEVEL=z \
CARGO_PROFILE_RELEASE_LTO=true \
CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 \
CARGO_PROFILE_RELEASE_PANIC=abort \
  trunk build --release --offline "$@"

# The base map, reduced from Natural Earth at build time, beside the site.
dist=dist
while [ $# -gt 0 ]; do
  case "$1" in
    --dist) dist=$2; shift 2 ;;
    --dist=*) dist=${1#--dist=}; shift ;;
    *) shift ;;
  esac
done
node scripts/build-map.mjs "$CLOUDPING_CACHE/tools" "$dist/map/land.json"
