#!/usr/bin/env bash
# Benchmarks the probe on an emulated WAN (probe/tests/wan/): prints its
# median RTT against curl's on the same line at 5, 25 and 100 ms one-way,
# and the wall time of one round over 35 targets behind a 100 ms one-way
# line with K = 10. Needs root, /dev/net/tun, iproute2, python3 and curl
# (scripts/setup.sh installs iproute2 and curl). Not part of the test suite:
# the figures go into BENCHMARKS.md.
#
# Extra arguments go to the benchmark, e.g. --repeat 5 or --delays 1,10.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

if [ "$(id -u)" -ne 0 ]; then
  echo "bench-probe: run as root: the emulated line needs TUN devices and a network namespace" >&2
  exit 1
fi
for tool in ip python3 curl; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "bench-probe: $tool is missing; run scripts/setup.sh first" >&2
    exit 1
  }
done

cargo build --release --locked -p probe --example bench_round
echo "machine: $(nproc) cores, $(uname -sr)"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$CARGO_TARGET_DIR/release/examples/bench_round" "$@"
