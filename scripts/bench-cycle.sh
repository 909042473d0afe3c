#!/usr/bin/env bash
# What one steady-state cycle (probe write -> aggregate -> publish) costs, at
# several ages of the history, with the real handlers against moto's server
# behind a counting proxy (tests/cycle/proxy.py): the DynamoDB read and write
# units, S3 requests and bytes are what went over the wire, not what the code
# thinks it sent.
#
#   bash scripts/bench-cycle.sh                 # 34 regions, ages 1, 12, 36 months
#   bash scripts/bench-cycle.sh --quick --check # 6 regions, asserts flat counts (make test)
#
# Options: --regions N, --ages 1,12,36, --quick (4 steady cycles and the
# day's close, no raw-day cycle), --check (fail unless the steady counts at
# every age are within 5 % of the first age's), --out FILE (the figures as
# JSON, for deploy/cost.py --measured).
#
# Prints one line per age for the steady cycle (the mean of the four cycles
# of one mid-day hour), lines for the day-close and raw-day cycles, then
# cost_per_month_usd for 34 regions (deploy/cost.py over these counts).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

regions=34 ages=1,12,36 quick="" check="" out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --regions) regions=$2; shift 2 ;;
    --ages) ages=$2; shift 2 ;;
    --quick) quick=--quick; regions=6; shift ;;
    --check) check=1; shift ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "bench-cycle: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

py="$CLOUDPING_CACHE/venv/bin/python"
[ -x "$CLOUDPING_CACHE/venv/bin/moto_server" ] || bash scripts/setup.sh
cargo build --release --locked -q -p lambdas --example cycle
bin="$CARGO_TARGET_DIR/release/examples/cycle"

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

free_port() { "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

for age in ${ages//,/ }; do
  # A fresh moto and proxy per age: nothing of one history leaks into the next.
  moto_port=$(free_port)
  "$CLOUDPING_CACHE/venv/bin/moto_server" -H 127.0.0.1 -p "$moto_port" >"$work/moto-$age.log" 2>&1 &
  moto_pid=$!
  wait_port "$moto_port"
  "$py" tests/cycle/proxy.py --upstream "http://127.0.0.1:$moto_port" --port 0 --port-file "$work/proxy-$age.port" 2>"$work/proxy-$age.log" &
  proxy_pid=$!
  pids+=("$moto_pid" "$proxy_pid")
  for _ in $(seq 100); do [ -s "$work/proxy-$age.port" ] && break; sleep 0.1; done
  proxy_port=$(cat "$work/proxy-$age.port")
  echo "bench-cycle: $regions regions, $age months of history…" >&2
  "$bin" --endpoint "http://127.0.0.1:$proxy_port" --direct "http://127.0.0.1:$moto_port" \
    --age-months "$age" --regions "$regions" $quick >>"$work/cycles.jsonl"
  kill "$proxy_pid" "$moto_pid" 2>/dev/null || true
  wait "$proxy_pid" "$moto_pid" 2>/dev/null || true
done

"$py" tests/cycle/summarize.py "$work/cycles.jsonl" ${check:+--check} ${out:+--out "$out"}
