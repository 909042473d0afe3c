#!/usr/bin/env bash
# Installs every tool CloudPing's build and tests need, idempotently.
# Safe to run again: each step checks first and skips what is already there.
# Tools land outside the clone, under ~/.cache/cloudping (or $CLOUDPING_CACHE),
# so later runs and CI on the same machine reuse them.
set -euo pipefail

# Keep these in step with Cargo.toml (`wasm-bindgen = "=X"`) and Trunk.toml.
WASM_BINDGEN_VERSION=0.2.130
TRUNK_VERSION=0.21.14
BINARYEN_VERSION=132.0.0

CACHE="${CLOUDPING_CACHE:-$HOME/.cache/cloudping}"
mkdir -p "$CACHE"
export PATH="$CACHE/bin:$HOME/.cargo/bin:$CACHE/tools/node_modules/.bin:$PATH"

say() { printf '\033[1msetup:\033[0m %s\n' "$*" >&2; }

want_apt=()
command -v chromium >/dev/null 2>&1 || want_apt+=(chromium)
command -v chromedriver >/dev/null 2>&1 || want_apt+=(chromium-driver)
command -v sqlite3 >/dev/null 2>&1 || want_apt+=(sqlite3)
command -v curl >/dev/null 2>&1 || want_apt+=(curl)
command -v ip >/dev/null 2>&1 || want_apt+=(iproute2)
if [ ${#want_apt[@]} -gt 0 ]; then
  say "installing Debian packages: ${want_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${want_apt[@]}" >/dev/null
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi
for comp in rustfmt clippy; do
  rustup component list --installed | grep -q "^$comp" || rustup component add "$comp"
done

if ! trunk --version 2>/dev/null | grep -q "$TRUNK_VERSION"; then
  say "installing trunk $TRUNK_VERSION (about 8 minutes, once per machine)"
  cargo install --root "$CACHE" trunk --version "$TRUNK_VERSION" --locked
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 4 minutes, once per machine)"
  cargo install --root "$CACHE" wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --locked \
    || cargo install --root "$CACHE" wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

if ! "$CACHE/tools/node_modules/.bin/wasm-opt" --version 2>/dev/null | grep -q "version 132"; then
  say "installing wasm-opt (npm binaryen@$BINARYEN_VERSION)"
  mkdir -p "$CACHE/tools"
  (cd "$CACHE/tools" && npm install --silent --no-audit --no-fund "binaryen@$BINARYEN_VERSION" "playwright-core@1" >/dev/null)
fi
# axe-core: the accessibility rules the browser tests run on every page.
if [ ! -f "$CACHE/tools/node_modules/axe-core/axe.min.js" ]; then
  say "installing axe-core (npm)"
  mkdir -p "$CACHE/tools"
  (cd "$CACHE/tools" && npm install --silent --no-audit --no-fund "axe-core@4" >/dev/null)
fi
# world-atlas: Natural Earth's land (public domain), reduced into the site's base map.
if [ ! -f "$CACHE/tools/node_modules/world-atlas/land-110m.json" ]; then
  say "installing world-atlas (npm)"
  mkdir -p "$CACHE/tools"
  (cd "$CACHE/tools" && npm install --silent --no-audit --no-fund "world-atlas@2" >/dev/null)
fi

# Python tools for the AWS-path tests (moto) and independent checks.
if [ ! -x "$CACHE/venv/bin/moto_server" ] || [ ! -x "$CACHE/venv/bin/check-jsonschema" ] ||
   ! "$CACHE/venv/bin/python" -c 'import numpy, feedparser' 2>/dev/null; then
  say "installing moto[server], check-jsonschema, numpy and feedparser into $CACHE/venv"
  python3 -m venv "$CACHE/venv"
  "$CACHE/venv/bin/pip" install -q --disable-pip-version-check 'moto[server]' check-jsonschema boto3 numpy feedparser
fi
# Deploy tools (deploy/check.sh, scripts/deploy.sh) in a venv of their own:
# aws-sam-cli pins boto3, click and pydantic older than the moto venv's. It brings
# cfn-lint and the SAM translator; cargo-lambda brings zig.
if [ ! -x "$CACHE/deploy-venv/bin/sam" ] || [ ! -x "$CACHE/deploy-venv/bin/cargo-lambda" ]; then
  say "installing aws-sam-cli and cargo-lambda into $CACHE/deploy-venv"
  python3 -m venv "$CACHE/deploy-venv"
  "$CACHE/deploy-venv/bin/pip" install -q --disable-pip-version-check 'aws-sam-cli==1.170.0' 'cargo-lambda==1.9.2'
fi
say "tools ready"
