#!/usr/bin/env bash
# Takes the README's screenshots from the real build: serves the bucket folder
# that `make demo` published (var/site) and photographs it in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
site="${1:-var/site}"
[ -f "$site/data/v1/manifest.json" ] || { echo "no published site in $site; run 'make demo' first" >&2; exit 1; }
bin="$CARGO_TARGET_DIR/release/cloudping"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" --bucket "$site" serve --addr "127.0.0.1:$port" 2>/dev/null &
server=$!
trap 'kill $server 2>/dev/null' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/" >/dev/null && break; sleep 0.1; done
profile=$(mktemp -d)
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$profile" --hide-scrollbars \
  --window-size=1440,1180 --virtual-time-budget=8000 --screenshot=docs/matrix.png \
  "http://127.0.0.1:$port/#window=7d&stat=p50" 2>/dev/null
rm -rf "$profile"
echo "wrote docs/matrix.png"
