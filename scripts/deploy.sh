#!/usr/bin/env bash
# Deploys CloudPing to an AWS account (see deploy/README.md):
#   1. builds the three functions with cargo-lambda (x86_64) and the site with trunk,
#   2. deploys the central stack (deploy/central.yaml) to the home region,
#   3. deploys the probe stack (deploy/probe.yaml) to every probe region,
#   4. uploads the site to the feed bucket and refreshes CloudFront's index.html.
# Regions come from deploy/regions.txt ("home <region>", "probe <region>").
#
#   scripts/deploy.sh --dry-run     print every command, run none (no AWS, no build)
#   scripts/deploy.sh               do it (needs AWS credentials for the account)
#
# Options: --regions-file FILE, --prefix NAME (tables <NAME>-rounds…, stacks
# <NAME>-central / <NAME>-probe; default cloudping), --alarm-email ADDRESS.
# Every step is idempotent: running it again updates what changed.

# ${…} in single quotes is printed on purpose; capture() assigns variables by printf -v.
# shellcheck disable=SC2016,SC2154
set -euo pipefail
cd "$(dirname "$0")/.."

dry_run=0
regions_file=deploy/regions.txt
prefix=cloudping
alarm_email=""

usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; }
die() { printf 'deploy: %s\n' "$*" >&2; exit 2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) dry_run=1 ;;
    --regions-file) [ $# -ge 2 ] || die "--regions-file needs a file"; regions_file=$2; shift ;;
    --prefix) [ $# -ge 2 ] || die "--prefix needs a name"; prefix=$2; shift ;;
    --alarm-email) [ $# -ge 2 ] || die "--alarm-email needs an address"; alarm_email=$2; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
  shift
done

[[ "$prefix" =~ ^[a-z][a-z0-9-]{0,29}$ ]] || die "--prefix $prefix: lowercase letters, digits and '-', 30 at most"
[ -f "$regions_file" ] || die "no regions file $regions_file"

# ---------------------------------------------------------------- regions
partition_of() {
  case "$1" in
    cn-*) echo aws-cn ;;
    us-gov-*) echo aws-us-gov ;;
    eusc-*) echo aws-eusc ;;
    *) echo aws ;;
  esac
}
known_regions=$(sed -nE 's/^[[:space:]]*"([a-z0-9-]+)", "[^"]*", "[^"]*", [A-Za-z]+, .*$/\1/p' shared/src/catalog.rs)
home=""
probes=()
lineno=0
while IFS= read -r line || [ -n "$line" ]; do
  lineno=$((lineno + 1))
  line=${line%%#*}
  read -r kind region extra <<<"$line" || true
  [ -z "${kind:-}" ] && continue
  [ -z "${extra:-}" ] || die "$regions_file:$lineno: one region per line"
  grep -qx -- "${region:-}" <<<"$known_regions" \
    || die "$regions_file:$lineno: '${region:-}' is not a region of shared/src/catalog.rs"
  case "$kind" in
    home) [ -z "$home" ] || die "$regions_file:$lineno: a second home region"; home=$region ;;
    probe)
      for r in "${probes[@]}"; do [ "$r" != "$region" ] || die "$regions_file:$lineno: $region twice"; done
      probes+=("$region") ;;
    *) die "$regions_file:$lineno: '$kind' is neither 'home' nor 'probe'" ;;
  esac
done <"$regions_file"
[ -n "$home" ] || die "$regions_file names no home region ('home <region>')"
[ ${#probes[@]} -gt 0 ] || die "$regions_file names no probe region ('probe <region>')"
for r in "${probes[@]}"; do
  [ "$(partition_of "$r")" = "$(partition_of "$home")" ] \
    || die "probe $r is in partition $(partition_of "$r"), home $home in $(partition_of "$home"): a partition is a deployment of its own"
done

# ---------------------------------------------------------------- running
# Each command is printed as it would be typed; with --dry-run that is all.
# The output of --dry-run is itself a script: values read from AWS are
# assigned to shell variables (bucket=$(aws …)) and used as "${bucket}".
quote() {
  local out=() a
  for a in "$@"; do
    if [[ "$a" =~ ^[A-Za-z0-9_@%+=:,./-]+$ ]]; then out+=("$a")
    elif [[ "$a" == *'${'* ]]; then out+=("\"$a\"")
    elif [[ "$a" == *\'* && "$a" != *[\"\$\`\\!]* ]]; then out+=("\"$a\"")
    else out+=("'${a//\'/\'\\\'\'}'")
    fi
  done
  printf '%s' "${out[*]}"
}
run() {
  printf '+ %s\n' "$(quote "$@")"
  [ "$dry_run" = 1 ] || "$@"
}
# capture VAR CMD...: VAR=$(CMD...); with --dry-run VAR is the text ${VAR}.
capture() {
  local var=$1; shift
  printf '+ %s=$(%s)\n' "$var" "$(quote "$@")"
  if [ "$dry_run" = 1 ]; then printf -v "$var" '${%s}' "$var"
  else printf -v "$var" '%s' "$("$@")"
  fi
}
# capture_optional VAR CMD...: the same, VAR empty when CMD fails.
capture_optional() {
  local var=$1; shift
  printf '+ %s=$(%s 2>/dev/null || true)\n' "$var" "$(quote "$@")"
  if [ "$dry_run" = 1 ]; then printf -v "$var" '${%s}' "$var"
  else printf -v "$var" '%s' "$("$@" 2>/dev/null || true)"
  fi
}
step_no=0
step() { step_no=$((step_no + 1)); printf '\n== %d. %s\n' "$step_no" "$*"; }

central_stack="$prefix-central"
probe_stack="$prefix-probe"
immutable='public, max-age=31536000, immutable'
sam_common=(--capabilities CAPABILITY_IAM --resolve-s3 --s3-prefix "$prefix"
  --no-confirm-changeset --no-fail-on-empty-changeset --tags "project=$prefix")

printf 'deploy: home %s, probes in %d region(s): %s%s\n' "$home" "${#probes[@]}" "${probes[*]}" \
  "$([ "$dry_run" = 1 ] && echo ' (dry run: nothing is built or called)')"

if [ "$dry_run" = 0 ]; then
  . scripts/env.sh
  # scripts/setup.sh puts cargo-lambda and the SAM CLI in a venv of their own.
  [ ! -d "$CLOUDPING_CACHE/deploy-venv/bin" ] || PATH="$CLOUDPING_CACHE/deploy-venv/bin:$PATH"
  export SAM_CLI_TELEMETRY="${SAM_CLI_TELEMETRY:-0}"
  for tool in cargo-lambda sam aws python3; do
    command -v "$tool" >/dev/null || die "$tool is not installed (deploy/README.md, Prerequisites)"
  done
fi

step "AWS account"
run aws sts get-caller-identity --query Account --output text

step "build the functions (cargo-lambda, x86_64, release)"
run cargo lambda build --release --x86-64 --package lambdas --locked --lambda-dir deploy/build

step "build the site (trunk)"
run bash scripts/build-site.sh
capture script_hashes python3 deploy/csp_hashes.py dist/index.html

step "central stack $central_stack in $home"
# The CSP keeps the previous build's loader hash too: pages opened before
# this deploy load the old loader until they are reloaded.
capture_optional previous_hashes aws cloudformation describe-stacks --region "$home" --stack-name "$central_stack" \
  --query "Stacks[0].Parameters[?ParameterKey=='SiteScriptHashes'].ParameterValue" --output text
echo '# SiteScriptHashes: script_hashes, plus the first of previous_hashes when it differs'
if [ "$dry_run" = 0 ]; then
  previous=${previous_hashes%%,*}
  case ",$script_hashes," in
    *",$previous,"*) ;;
    *) [[ "$previous" == sha256-* ]] && script_hashes="$script_hashes,$previous" ;;
  esac
fi
overrides=("TablePrefix=$prefix" "SiteScriptHashes=$script_hashes")
[ -z "$alarm_email" ] || overrides+=("AlarmEmail=$alarm_email")
run sam deploy --template-file deploy/central.yaml --stack-name "$central_stack" --region "$home" \
  "${sam_common[@]}" --parameter-overrides "${overrides[@]}"
for key in BucketName DistributionId SiteUrl; do
  capture "$key" aws cloudformation describe-stacks --region "$home" --stack-name "$central_stack" \
    --query "Stacks[0].Outputs[?OutputKey=='$key'].OutputValue" --output text
done

for region in "${probes[@]}"; do
  step "probe stack $probe_stack in $region"
  overrides=("HomeRegion=$home" "TablePrefix=$prefix")
  run sam deploy --template-file deploy/probe.yaml --stack-name "$probe_stack" --region "$region" \
    "${sam_common[@]}" --parameter-overrides "${overrides[@]}"
done

step "upload the site to s3://$BucketName/ (data/ is the publisher's)"
run aws s3 sync dist/ "s3://$BucketName/" --region "$home" --exclude '*' --include '*.wasm' \
  --content-type application/wasm --cache-control "$immutable"
run aws s3 sync dist/ "s3://$BucketName/" --region "$home" --exclude '*' --include '*.js' \
  --content-type 'text/javascript; charset=utf-8' --cache-control "$immutable"
run aws s3 sync dist/ "s3://$BucketName/" --region "$home" --exclude '*' --include '*.css' \
  --content-type 'text/css; charset=utf-8' --cache-control "$immutable"
run aws s3 sync dist/ "s3://$BucketName/" --region "$home" --exclude index.html --exclude '*.wasm' \
  --exclude '*.js' --exclude '*.css' --exclude 'data/*' --cache-control 'public, max-age=3600'
# Last: the page that names the new assets, once they are all there.
run aws s3 cp dist/index.html "s3://$BucketName/index.html" --region "$home" \
  --content-type 'text/html; charset=utf-8' --cache-control no-cache
run aws cloudfront create-invalidation --distribution-id "$DistributionId" --paths /index.html /

step "done"
printf 'deploy: CloudPing is at %s (the feed, and the matrix prerendered into the page, appear with the next publish, within 15 minutes)\n' "$SiteUrl"
