#!/usr/bin/env bash
# Offline checks of the AWS deployment: cfn-lint and `sam validate --lint` on
# deploy/*.yaml, least-privilege IAM, a private bucket behind CloudFront OAC,
# the site's CSP in headless Chromium, scripts/deploy.sh --dry-run, and the
# README's cost table. Nothing here calls AWS. Prints `N passed, N failed`.
#
# Needs what scripts/setup.sh installs: the deploy venv (aws-sam-cli, which
# brings cfn-lint and the SAM translator), Chromium and playwright-core; and a
# built site in dist/ (built here when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

venv="$CLOUDPING_CACHE/deploy-venv"
for tool in "$venv/bin/python" "$venv/bin/sam"; do
  [ -x "$tool" ] || { echo "check: $tool is missing; run scripts/setup.sh" >&2; exit 1; }
done
[ -f dist/index.html ] || bash scripts/build-site.sh

export SAM_CLI_TELEMETRY=0
export SAM_BIN="$venv/bin/sam"
export TOOLS_DIR="$CLOUDPING_CACHE/tools"
CHROMIUM="${CHROMIUM:-$(command -v chromium)}"
export CHROMIUM
exec "$venv/bin/python" deploy/tests/run.py
