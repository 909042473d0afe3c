#!/usr/bin/env bash
# Runs every CloudPing test: formatting, lints (host and wasm32), unit and
# integration tests, schema checks with an independent validator, and the
# site end to end in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. scripts/env.sh

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
started=$(date +%s)

step "cargo fmt --check"
cargo fmt --all -- --check

step "clippy (host)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "clippy (wasm32 frontend)"
cargo clippy -p frontend --target wasm32-unknown-unknown --all-targets --locked -- -D warnings

step "cargo test"
cargo test --workspace --locked

step "frontend components in headless Chromium (wasm-bindgen-test)"
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner CHROMEDRIVER="$(command -v chromedriver)" \
  cargo test -p frontend --target wasm32-unknown-unknown --locked

step "feed fixtures against their JSON Schemas (check-jsonschema)"
check-jsonschema --schemafile shared/schema/v2/manifest.schema.json shared/tests/fixtures/feed/v2/manifest.json
check-jsonschema --schemafile shared/schema/v2/matrix.schema.json shared/tests/fixtures/feed/v2/matrix/*.json
check-jsonschema --schemafile shared/schema/v2/series-index.schema.json shared/tests/fixtures/feed/v2/series/index.json
check-jsonschema --schemafile shared/schema/v2/series-chunk.schema.json shared/tests/fixtures/feed/v2/series/{5m,1h}/*/*.json shared/tests/fixtures/feed/v2/series/open/*/*/*.json
check-jsonschema --schemafile shared/schema/v2/changes.schema.json shared/tests/fixtures/feed/v2/changes.json
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# check-jsonschema reads whole files: one file per raw line.
split -l 1 -d --additional-suffix=.json shared/tests/fixtures/feed/v2/raw/2026-11-19.ndjson "$work/raw-"
check-jsonschema --schemafile shared/schema/v2/raw-round.schema.json "$work"/raw-*.json

step "a feed published by the pipeline against the schemas"
cargo build --release --locked -p cloudping
bin="$CARGO_TARGET_DIR/release/cloudping"
"$bin" --db "$work/db.sqlite" --bucket "$work/site" simulate --days 8 --end 2026-11-20T00:00:00Z --regions us-east-1,eu-west-1,ap-south-1 --outages 0.5 2>/dev/null
"$bin" --db "$work/db.sqlite" --bucket "$work/site" rollup 2>/dev/null
"$bin" --db "$work/db.sqlite" --bucket "$work/site" publish --raw-grace-minutes 0
feed="$work/site/data/v2"
check-jsonschema --schemafile shared/schema/v2/manifest.schema.json "$feed/manifest.json"
check-jsonschema --schemafile shared/schema/v2/matrix.schema.json "$feed/matrix/"*.json
check-jsonschema --schemafile shared/schema/v2/series-index.schema.json "$feed/series/index."*.json
check-jsonschema --schemafile shared/schema/v2/series-chunk.schema.json "$feed/series/"{5m,1h}/*/*.json "$feed/series/open/"*/*/*.json
check-jsonschema --schemafile shared/schema/v2/changes.schema.json "$feed/changes.json"

step "the published level shifts against the hourly series, and changes.atom through feedparser"
"$CLOUDPING_CACHE/venv/bin/python" tests/feed/check_changes.py "$feed" http://127.0.0.1:8080/ 1

step "every published figure against numpy over the raw days (independent of the Rust code)"
"$bin" --db "$work/db.sqlite" stats --from 2026-11-14T06:00:00Z --to 2026-11-17T18:00:00Z --json > "$work/stats.jsonl"
"$CLOUDPING_CACHE/venv/bin/python" tests/feed/check_numbers.py "$feed" "$work/stats.jsonl"

step "a feed published to S3 (moto), read back by boto3 and checked by check-jsonschema"
"$CLOUDPING_CACHE/venv/bin/python" tests/feed/s3_readback.py "$bin" shared/schema/v2

step "site in headless Chromium"
bash scripts/build-site.sh
# A second build that honours the test-only endpoint override, for the
# "From your browser" tests; the published build (dist/) ignores it.
CLOUDPING_TEST_ENDPOINTS=1 bash scripts/build-site.sh --dist "$work/dist-test"
CLOUDPING_BIN="$bin" DIST_DIR="$PWD/dist" TEST_DIST_DIR="$work/dist-test" FIXTURES_DIR="$PWD/shared/tests/fixtures/feed/v2" \
TOOLS_DIR="$CLOUDPING_CACHE/tools" CHROMIUM="$(command -v chromium)" \
  node --test --test-reporter=spec tests/e2e/

step "a cycle costs the same at 1, 12 and 36 months of history (moto behind a counting proxy)"
bash scripts/bench-cycle.sh --quick --check

step "AWS deployment (offline): templates, IAM, bucket, CSP in Chromium, deploy --dry-run"
bash deploy/check.sh

step "all tests passed in $(( $(date +%s) - started )) s"
