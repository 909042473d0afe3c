#!/usr/bin/env python3
"""Offline checks of the AWS deployment (deploy/ and scripts/deploy.sh).

Run by deploy/check.sh. Every check runs on the real files and then on
deliberately broken copies ("controls"), which it must reject: a check that
cannot fail is reported as a failure. Prints one line per check and
`N passed, N failed`; exits 1 when anything failed.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import traceback
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cfn  # noqa: E402
from cfn import ACCOUNT, DEPLOY, REPO, Resolver, as_list, of_type  # noqa: E402

sys.path.insert(0, str(DEPLOY))
import cost  # noqa: E402
import csp_hashes  # noqa: E402

HOME = "us-east-1"
PROBE_REGION = "eu-west-1"
SCRIPT_HASH = "sha256-" + "A" * 43 + "="


def central_resolver(tpl: dict) -> Resolver:
    return Resolver(tpl, HOME, {"SiteScriptHashes": SCRIPT_HASH})


def probe_resolver(tpl: dict) -> Resolver:
    return Resolver(tpl, PROBE_REGION, {"HomeRegion": HOME})


def arn_table(name: str, region: str = HOME) -> str:
    return f"arn:aws:dynamodb:{region}:{ACCOUNT}:table/cloudping-{name}"


def arn_log_group(fn: str, region: str) -> str:
    return f"arn:aws:logs:{region}:{ACCOUNT}:log-group:/aws/lambda/cloudping-{fn}:*"


BUCKET = f"cloudping-feed-{ACCOUNT}-{HOME}"
BUCKET_ARN = f"arn:aws:s3:::{BUCKET}"
DISTRIBUTION_ARN = f"arn:aws:cloudfront::{ACCOUNT}:distribution/E2EXAMPLE0DIST"

# What each function's code calls, on what (see store/src/dynamo.rs, s3.rs and
# the handlers): the whole of what its role may do.
ALLOWED = {
    "AggregateRole": {
        ("dynamodb:Query", arn_table("round-groups")),  # sources() newest round, source_rounds
        ("dynamodb:Scan", arn_table("regions")),  # enabled_regions, in sources()
        ("dynamodb:BatchWriteItem", arn_table("summaries")),  # put_sketches, put_window
        ("dynamodb:Query", arn_table("summaries")),  # sketches, put_window's stale pairs
        ("dynamodb:PutItem", arn_table("summaries")),  # put_window's #span, set_meta
        ("dynamodb:GetItem", arn_table("summaries")),  # meta (watermark)
        ("logs:CreateLogStream", arn_log_group("aggregate", HOME)),
        ("logs:PutLogEvents", arn_log_group("aggregate", HOME)),
    },
    "PublishRole": {
        ("dynamodb:Query", arn_table("round-groups")),  # sources(), 5 m series, raw days
        ("dynamodb:Scan", arn_table("regions")),  # enabled_regions, in sources()
        ("dynamodb:Query", arn_table("summaries")),  # windows, sketches
        ("dynamodb:GetItem", arn_table("summaries")),  # meta
        ("dynamodb:PutItem", arn_table("summaries")),  # set_meta (schemas published)
        ("s3:GetObject", f"{BUCKET_ARN}/data/v2/*"),  # the previous manifest
        ("s3:PutObject", f"{BUCKET_ARN}/data/v2/*"),  # the feed
        ("s3:GetObject", f"{BUCKET_ARN}/index.html"),  # the page's template
        ("s3:PutObject", f"{BUCKET_ARN}/index.html"),  # the page, prerendered
        ("s3:ListBucket", BUCKET_ARN),  # a missing object is a 404, not a 403
        ("logs:CreateLogStream", arn_log_group("publish", HOME)),
        ("logs:PutLogEvents", arn_log_group("publish", HOME)),
    },
    "ProbeRole": {
        ("dynamodb:PutItem", arn_table("round-groups")),  # put_rounds (conditional put)
        ("dynamodb:GetItem", arn_table("round-groups")),  # put_rounds, a group already there
        ("dynamodb:Scan", arn_table("regions")),  # enabled_regions
        ("logs:CreateLogStream", arn_log_group("probe", PROBE_REGION)),
        ("logs:PutLogEvents", arn_log_group("probe", PROBE_REGION)),
    },
}
# The SDK call in store/ behind each data-plane action granted above.
SDK_CALL = {
    "dynamodb:PutItem": ("store/src/dynamo.rs", ".put_item()"),
    "dynamodb:Query": ("store/src/dynamo.rs", ".query()"),
    "dynamodb:Scan": ("store/src/dynamo.rs", ".scan()"),
    "dynamodb:GetItem": ("store/src/dynamo.rs", ".get_item()"),
    "dynamodb:BatchWriteItem": ("store/src/dynamo.rs", ".batch_write_item()"),
    "s3:PutObject": ("store/src/s3.rs", ".put_object()"),
    "s3:GetObject": ("store/src/s3.rs", ".get_object()"),
    "s3:ListBucket": ("store/src/s3.rs", ".list_objects_v2()"),
}


# ====================================================================== validators
# Each returns the list of problems it finds (empty: fine).


def store_table_keys() -> dict[str, list[tuple[str, str, str]]]:
    """Key schemas from DynamoStore::create_tables in store/src/dynamo.rs."""
    src = (REPO / "store/src/dynamo.rs").read_text()
    body = src[src.index("pub async fn create_tables"):]
    body = body[: body.index("for (name, keys) in specs")]
    out = {}
    for table, keys in re.findall(r"&self\.tables\.(\w+),\s*&\[(.*?)\],\s*\)", body, re.S):
        out[table] = [
            (a, {"Hash": "HASH", "Range": "RANGE"}[k], t)
            for a, k, t in re.findall(r'\("(\w+)", KeyType::(\w+), ScalarAttributeType::(\w)\)', keys)
        ]
    return out


def check_tables(central: dict) -> list[str]:
    r = central_resolver(central)
    problems = []
    want = store_table_keys()
    if set(want) != {"rounds", "summaries", "regions"}:
        problems.append(f"could not read the three key schemas from store/src/dynamo.rs: {want}")
    found = {}
    for logical, res in of_type(central, "AWS::DynamoDB::Table").items():
        p = r.ev(res["Properties"])
        name = p.get("TableName", "")
        found[name] = logical
        role = name.removeprefix("cloudping-")
        # The rounds table's name says what its items are: groups per source.
        role = {"round-groups": "rounds"}.get(role, role)
        if role not in want:
            problems.append(f"{logical}: table {name} is not one of store's tables")
            continue
        keys = [(k["AttributeName"], k["KeyType"]) for k in p.get("KeySchema", [])]
        types = {d["AttributeName"]: d["AttributeType"] for d in p.get("AttributeDefinitions", [])}
        if keys != [(a, k) for a, k, _ in want[role]]:
            problems.append(f"{logical}: key schema {keys} is not store's {want[role]}")
        if types != {a: t for a, _, t in want[role]}:
            problems.append(f"{logical}: attribute types {types} are not store's {want[role]}")
        if p.get("BillingMode") != "PAY_PER_REQUEST":
            problems.append(f"{logical}: billing mode {p.get('BillingMode')}, not on-demand")
        if p.get("PointInTimeRecoverySpecification", {}).get("PointInTimeRecoveryEnabled") is not True:
            problems.append(f"{logical}: point-in-time recovery is off")
        if res.get("DeletionPolicy") != "Retain":
            problems.append(f"{logical}: the measurements would be deleted with the stack")
    names = {"rounds": "round-groups"}
    for role in want:
        if f"cloudping-{names.get(role, role)}" not in found:
            problems.append(f"no table cloudping-{names.get(role, role)}")
    return problems


def grants(r: Resolver, role: dict, logical: str) -> tuple[set, list[str], dict]:
    """(action, resource) pairs a role allows, problems of shape, conditions by pair."""
    problems, out, conds = [], set(), {}
    props = r.ev(role["Properties"])
    if props.get("ManagedPolicyArns"):
        problems.append(f"{logical}: managed policies {props['ManagedPolicyArns']} (grant more than the code uses)")
    trust = props.get("AssumeRolePolicyDocument", {}).get("Statement", [])
    principals = [s.get("Principal") for s in trust]
    if principals != [{"Service": "lambda.amazonaws.com"}]:
        problems.append(f"{logical}: trusted by {principals}, not only Lambda")
    for pol in props.get("Policies", []):
        for st in as_list(pol["PolicyDocument"]["Statement"]):
            if st.get("Effect") != "Allow":
                continue
            if "NotAction" in st or "NotResource" in st:
                problems.append(f"{logical}: NotAction/NotResource grants everything else")
            for a in as_list(st.get("Action", [])):
                if "*" in a:
                    problems.append(f"{logical}: wildcard action {a}")
                for res in as_list(st.get("Resource", [])):
                    if res == "*":
                        problems.append(f"{logical}: Resource '*' for {a}")
                    out.add((a, res))
                    if "Condition" in st:
                        conds[(a, res)] = st["Condition"]
    return out, problems, conds


def check_iam(central: dict, probe: dict) -> list[str]:
    problems = []
    for tpl, resolver in ((central, central_resolver(central)), (probe, probe_resolver(probe))):
        for kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::User", "AWS::IAM::Group"):
            if of_type(tpl, kind):
                problems.append(f"{kind} resources: every grant must sit in its function's role")
        roles = of_type(tpl, "AWS::IAM::Role")
        for logical, role in roles.items():
            if logical not in ALLOWED:
                problems.append(f"{logical}: a role no function needs")
                continue
            got, shape, conds = grants(resolver, role, logical)
            problems += shape
            for a, res in sorted(got - ALLOWED[logical]):
                problems.append(f"{logical}: grants {a} on {res}, which its function does not use")
            for a, res in sorted(ALLOWED[logical] - got):
                problems.append(f"{logical}: lacks {a} on {res}, which its function calls")
            if logical == "ProbeRole":
                for action in ("dynamodb:PutItem", "dynamodb:GetItem"):
                    key = (action, arn_table("round-groups"))
                    lead = conds.get(key, {}).get("ForAllValues:StringEquals", {}).get("dynamodb:LeadingKeys")
                    if lead != [PROBE_REGION]:
                        problems.append(f"ProbeRole: {action} not limited to its own source ({PROBE_REGION}): {lead}")
        # Each function runs as its own role and asks SAM for no policy of its own
        # (SAM would then add a role with AWSLambdaBasicExecutionRole: logs on '*').
        used = set()
        for logical, fn in of_type(tpl, "AWS::Serverless::Function").items():
            p = fn["Properties"]
            if "Policies" in p:
                problems.append(f"{logical}: SAM Policies (SAM adds a role with logs:* on '*')")
            role = p.get("Role", {}).get("Fn::GetAtt")
            role = role.split(".")[0] if isinstance(role, str) else (role or [None])[0]
            if role not in roles:
                problems.append(f"{logical}: runs as {p.get('Role')}, not a role of this template")
            if role in used:
                problems.append(f"{logical}: shares role {role}")
            used.add(role)
    for grants_ in ALLOWED.values():
        for a, _ in grants_:
            if a in SDK_CALL:
                path, call = SDK_CALL[a]
                if call not in (REPO / path).read_text():
                    problems.append(f"{a} is granted but {path} makes no {call} call")
    return problems


def check_bucket(central: dict) -> list[str]:
    r = central_resolver(central)
    problems = []
    buckets = of_type(central, "AWS::S3::Bucket")
    if len(buckets) != 1:
        return [f"expected one bucket, found {list(buckets)}"]
    (logical, bucket), = buckets.items()
    p = r.ev(bucket["Properties"])
    pab = p.get("PublicAccessBlockConfiguration", {})
    for flag in ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"):
        if pab.get(flag) not in (True, "true"):
            problems.append(f"{logical}: public access block {flag} is not true")
    if "AccessControl" in p or "WebsiteConfiguration" in p:
        problems.append(f"{logical}: canned ACL or website hosting (public)")
    if p.get("OwnershipControls", {}).get("Rules", [{}])[0].get("ObjectOwnership") != "BucketOwnerEnforced":
        problems.append(f"{logical}: ACLs are not disabled (BucketOwnerEnforced)")
    if not p.get("BucketEncryption", {}).get("ServerSideEncryptionConfiguration"):
        problems.append(f"{logical}: no default encryption")
    if p.get("VersioningConfiguration", {}).get("Status") != "Enabled":
        problems.append(f"{logical}: not versioned")
    rules = p.get("LifecycleConfiguration", {}).get("Rules", [])
    if not any("NoncurrentVersionExpiration" in x and "Prefix" not in x for x in rules):
        problems.append(f"{logical}: noncurrent versions never expire")
    expiring = {x.get("Prefix") for x in rules if "ExpirationInDays" in x}
    if not {"data/v2/matrix/", "data/v2/series/open/"} <= expiring:
        problems.append(f"{logical}: superseded content-addressed files never expire ({expiring})")
    if any(pre in (None, "", "data/", "data/v2/", "data/v2/raw/", "data/v2/series/", "data/v2/series/1d/")
           for pre in expiring):
        problems.append(f"{logical}: an expiry rule would delete raw days, schemas or the site: {expiring}")
    policies = [r.ev(x["Properties"]) for x in of_type(central, "AWS::S3::BucketPolicy").values()]
    for pol in policies:
        for st in as_list(pol["PolicyDocument"]["Statement"]):
            if st.get("Effect") != "Allow":
                continue
            who = st.get("Principal")
            if who in ("*", {"AWS": "*"}) or (isinstance(who, dict) and "*" in as_list(who.get("AWS", []))):
                problems.append(f"bucket policy {st.get('Sid')}: allows anyone (Principal '*')")
                continue
            if who != {"Service": "cloudfront.amazonaws.com"}:
                problems.append(f"bucket policy {st.get('Sid')}: allows {who}, not only CloudFront")
            src = st.get("Condition", {}).get("StringEquals", {}).get("AWS:SourceArn")
            if src != DISTRIBUTION_ARN:
                problems.append(f"bucket policy {st.get('Sid')}: not limited to this distribution (OAC), {src}")
            extra = set(as_list(st.get("Action"))) - {"s3:GetObject", "s3:ListBucket"}
            if extra:
                problems.append(f"bucket policy {st.get('Sid')}: CloudFront may also {sorted(extra)}")
    if of_type(central, "AWS::CloudFront::CloudFrontOriginAccessIdentity"):
        problems.append("an origin access identity (OAI): use origin access control (OAC)")
    for d in of_type(central, "AWS::CloudFront::Distribution").values():
        for origin in d["Properties"]["DistributionConfig"]["Origins"]:
            oac = origin.get("OriginAccessControlId", {}).get("Fn::GetAtt")
            oac = oac.split(".")[0] if isinstance(oac, str) else (oac or [None])[0]
            res = central["Resources"].get(oac, {})
            cfg = res.get("Properties", {}).get("OriginAccessControlConfig", {})
            if res.get("Type") != "AWS::CloudFront::OriginAccessControl" or cfg.get("SigningBehavior") != "always":
                problems.append(f"origin {origin.get('Id')}: not reached through an OAC that signs every request")
            if origin.get("S3OriginConfig", {}).get("OriginAccessIdentity") != "":
                problems.append(f"origin {origin.get('Id')}: S3OriginConfig names an OAI")
    return problems


REQUIRED_CSP = {
    "script-src": {"'self'", "'wasm-unsafe-eval'"},
    "style-src": {"'self'"},
    "connect-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "object-src": {"'none'"},
    "frame-ancestors": {"'none'"},
    "base-uri": {"'self'"},
}


def parse_csp(text: str) -> dict[str, list[str]]:
    out = {}
    for part in text.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def commercial_regions() -> dict[str, bool]:
    """The catalog's commercial regions (code -> opt-in), read from its source."""
    src = (REPO / "shared/src/catalog.rs").read_text()
    rows = re.findall(r'^\s*"([a-z0-9-]+)", "[^"]*", "[^"]*", \w+, [-0-9.]+, [-0-9.]+, (\w+), (true|false);',
                      src, re.M)
    return {code: opt == "true" for code, part, opt in rows if part == "Aws"}


# CloudFront's quota on a response headers policy's Content-Security-Policy.
CSP_MAX_CHARS = 1783


def csp_problems(text: str) -> list[str]:
    csp = parse_csp(text)
    problems = []
    # "From your browser" fetches each commercial region's endpoint: exactly
    # those hosts (scheme-less, so https on the https site), and nothing more.
    endpoints = {f"dynamodb.{c}.amazonaws.com" for c in commercial_regions()}
    connect = set(csp.get("connect-src", []))
    if connect != {"'self'"} | endpoints:
        problems.append(f"CSP connect-src is not 'self' and the {len(endpoints)} DynamoDB endpoints: "
                        f"missing {sorted(endpoints - connect)[:3]}, extra {sorted(connect - endpoints - {chr(39) + 'self' + chr(39)})}")
    if len(text) > CSP_MAX_CHARS:
        problems.append(f"CSP is {len(text)} characters, over CloudFront's {CSP_MAX_CHARS}")
    for directive, needed in REQUIRED_CSP.items():
        have = set(csp.get(directive, []))
        if not needed <= have:
            problems.append(f"CSP {directive} lacks {sorted(needed - have)}")
    script = csp.get("script-src", [])
    style = csp.get("style-src", [])
    for bad in ("'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:", "blob:"):
        if bad in script:
            problems.append(f"CSP script-src allows {bad}")
    if style != ["'self'"]:
        problems.append(f"CSP style-src is {style}, not just 'self'")
    if not any(s.startswith("'sha256-") for s in script):
        problems.append("CSP script-src names no hash for trunk's inline loader")
    if csp.get("default-src") not in (["'none'"], ["'self'"]):
        problems.append(f"CSP default-src is {csp.get('default-src')}")
    return problems


def check_cloudfront(central: dict) -> list[str]:
    r = central_resolver(central)
    problems = []
    dists = of_type(central, "AWS::CloudFront::Distribution")
    if len(dists) != 1:
        return [f"expected one distribution, found {list(dists)}"]
    cfg = next(iter(dists.values()))["Properties"]["DistributionConfig"]
    if cfg.get("DefaultRootObject") != "index.html":
        problems.append("no default root object index.html")
    behaviors = [("default", cfg["DefaultCacheBehavior"])] + [
        (b.get("PathPattern"), b) for b in cfg.get("CacheBehaviors", [])
    ]
    policy = lambda ref: r.ev(central["Resources"][ref["Ref"]]["Properties"])  # noqa: E731
    for name, b in behaviors:
        if b.get("ViewerProtocolPolicy") != "redirect-to-https":
            problems.append(f"behavior {name}: viewer protocol {b.get('ViewerProtocolPolicy')}, not redirect-to-https")
        if b.get("Compress") is not True:
            problems.append(f"behavior {name}: compression off")
        if set(b.get("AllowedMethods", ["GET", "HEAD"])) - {"GET", "HEAD", "OPTIONS"}:
            problems.append(f"behavior {name}: allows writes {b['AllowedMethods']}")
        cp = policy(b["CachePolicyId"])["CachePolicyConfig"]
        keys = cp["ParametersInCacheKeyAndForwardedToOrigin"]
        if not (keys.get("EnableAcceptEncodingGzip") and keys.get("EnableAcceptEncodingBrotli")):
            problems.append(f"behavior {name}: cache policy does not serve compressed variants")
    patterns = [n for n, _ in behaviors]
    if "data/v2/manifest.json" not in patterns:
        problems.append("no cache behavior for data/v2/manifest.json")
    else:
        i = patterns.index("data/v2/manifest.json")
        if any(re.fullmatch(p.replace("*", ".*"), "data/v2/manifest.json") for p in patterns[1:i]):
            problems.append("a behavior listed before data/v2/manifest.json catches it")
        cp = policy(behaviors[i][1]["CachePolicyId"])["CachePolicyConfig"]
        if cp["MinTTL"] != 0 or cp["MaxTTL"] > 300 or cp["DefaultTTL"] > 300:
            problems.append(f"manifest cache TTLs {cp['MinTTL']}/{cp['DefaultTTL']}/{cp['MaxTTL']}: "
                            "not short, or not honouring the origin's Cache-Control")
    cp = policy(cfg["DefaultCacheBehavior"]["CachePolicyId"])["CachePolicyConfig"]
    if cp["MaxTTL"] < 31_536_000 or cp["MinTTL"] != 0:
        problems.append(f"default cache TTLs {cp['MinTTL']}/{cp['MaxTTL']}: not long, or index.html's no-cache ignored")
    site = policy(cfg["DefaultCacheBehavior"]["ResponseHeadersPolicyId"])["ResponseHeadersPolicyConfig"]
    sec = site.get("SecurityHeadersConfig", {})
    problems += csp_problems(sec.get("ContentSecurityPolicy", {}).get("ContentSecurityPolicy", ""))
    for name, b in behaviors:
        h = policy(b["ResponseHeadersPolicyId"])["ResponseHeadersPolicyConfig"].get("SecurityHeadersConfig", {})
        if h.get("StrictTransportSecurity", {}).get("AccessControlMaxAgeSec", 0) < 31_536_000:
            problems.append(f"behavior {name}: HSTS missing or shorter than a year")
        if not h.get("ContentTypeOptions", {}).get("Override"):
            problems.append(f"behavior {name}: no X-Content-Type-Options: nosniff")
        if h.get("ReferrerPolicy", {}).get("ReferrerPolicy") not in (
                "no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"):
            problems.append(f"behavior {name}: weak or no Referrer-Policy")
        if not all(x.get("Override") for x in h.values()):
            problems.append(f"behavior {name}: a security header does not override the origin's")
    return problems


def lambdas_bins() -> set[str]:
    return set(re.findall(r'\[\[bin\]\]\s*name = "([\w-]+)"', (REPO / "lambdas/Cargo.toml").read_text()))


def check_functions(central: dict, probe: dict) -> list[str]:
    problems = []
    config_rs = (REPO / "lambdas/src/config.rs").read_text()
    readme = (DEPLOY / "README.md").read_text()
    pending = readme[readme.find("## Changes the functions need"):]
    expected = {"AggregateFunction": "cloudping-aggregate", "PublishFunction": "cloudping-publish",
                "ProbeFunction": "cloudping-probe"}
    bins = lambdas_bins()
    for tpl, r in ((central, central_resolver(central)), (probe, probe_resolver(probe))):
        groups = of_type(tpl, "AWS::Logs::LogGroup")
        seen_groups = set()
        for logical, fn in of_type(tpl, "AWS::Serverless::Function").items():
            p = r.ev(fn["Properties"])
            want = expected.get(logical)
            if p.get("FunctionName") != want:
                problems.append(f"{logical}: named {p.get('FunctionName')}, expected {want}")
            if (p.get("Runtime"), p.get("Architectures"), p.get("Handler")) != ("provided.al2023", ["x86_64"], "bootstrap"):
                problems.append(f"{logical}: {p.get('Runtime')} {p.get('Architectures')} {p.get('Handler')}, "
                                "expected provided.al2023 [x86_64] bootstrap")
            code = str(p.get("CodeUri", "")).strip("/")
            if code != f"build/{want}" or want not in bins:
                problems.append(f"{logical}: code {code} is not cargo-lambda's output for a bin of lambdas/ ({bins})")
            group_ref = fn["Properties"].get("LoggingConfig", {}).get("LogGroup", {}).get("Ref")
            if group_ref not in groups:
                problems.append(f"{logical}: logs to no log group of its own")
            else:
                g = r.ev(groups[group_ref]["Properties"])
                if g.get("LogGroupName") != f"/aws/lambda/{want}":
                    problems.append(f"{logical}: logs to {g.get('LogGroupName')}, not /aws/lambda/{want}")
                if not g.get("RetentionInDays"):
                    problems.append(f"{logical}: log group {g.get('LogGroupName')} kept forever (no retention)")
                if group_ref in seen_groups:
                    problems.append(f"{logical}: shares log group {group_ref}")
                seen_groups.add(group_ref)
            schedules = [e for e in p.get("Events", {}).values() if e.get("Type") == "Schedule"]
            if len(schedules) != 1:
                problems.append(f"{logical}: {len(schedules)} EventBridge schedules, expected 1")
            env = p.get("Environment", {}).get("Variables", {})
            if env.get("CLOUDPING_TABLE_PREFIX") != "cloudping":
                problems.append(f"{logical}: CLOUDPING_TABLE_PREFIX is {env.get('CLOUDPING_TABLE_PREFIX')}")
            for var in env:
                if var.startswith("CLOUDPING_") and f'"{var}"' not in config_rs and var not in pending:
                    problems.append(f"{logical}: sets {var}, which lambdas/src/config.rs does not read "
                                    "and deploy/README.md does not list as a needed change")
            if logical == "PublishFunction" and env.get("CLOUDPING_BUCKET") != BUCKET:
                problems.append("PublishFunction: CLOUDPING_BUCKET is not the feed bucket")
            if logical == "ProbeFunction":
                if env.get("CLOUDPING_HOME_REGION") != HOME:
                    problems.append("ProbeFunction: the tables' region (CLOUDPING_HOME_REGION) is not passed")
                expr = schedules[0]["Properties"]["Schedule"] if schedules else ""
                if expr not in ("cron(0/5 * * * ? *)", "rate(5 minutes)") or env.get("CLOUDPING_INTERVAL") != "300":
                    problems.append(f"ProbeFunction: schedule {expr} and CLOUDPING_INTERVAL "
                                    f"{env.get('CLOUDPING_INTERVAL')} are not both 5 minutes")
    return problems


def log_line_in_code(path: str, message: str, field: str | None) -> bool:
    src = (REPO / path).read_text()
    for call in re.findall(r"tracing::info!\((.*?)\);", src, re.S):
        if f'"{message}"' in call and (field is None or re.search(rf"\b{field}\b", call)):
            return True
    return False


def check_alarms(central: dict, probe: dict) -> list[str]:
    problems = []
    stopped = ("Sum", "LessThanThreshold", 1)
    silent = ("Maximum", "GreaterThanOrEqualToThreshold", 1)
    expect = [
        (central, central_resolver(central), "lambdas/src/aggregate.rs", "regions checked", "silent", 900,
         "AggregateLogGroup", silent),
        (central, central_resolver(central), "lambdas/src/aggregate.rs", "rollup done", None, 3600,
         "AggregateLogGroup", stopped),
        (central, central_resolver(central), "lambdas/src/publish.rs", "feed published", None, 3600,
         "PublishLogGroup", stopped),
    ]
    if of_type(probe, "AWS::CloudWatch::Alarm") or of_type(probe, "AWS::Logs::MetricFilter"):
        problems.append("the probe stack has its own metric or alarm (one central SilentRegions alarm watches all)")
    for tpl, r, path, message, field, window, group, rule in expect:
        if not log_line_in_code(path, message, field):
            problems.append(f"{path} logs no '{message}' line{' with ' + field if field else ''}")
        filters = [r.ev(f["Properties"]) for f in of_type(tpl, "AWS::Logs::MetricFilter").values()
                   if f["Properties"].get("LogGroupName") == {"Ref": group}]
        mine = [f for f in filters if re.search(rf'\$\.fields\.message\s*=\s*"{message}"', f["FilterPattern"])]
        if len(mine) != 1:
            problems.append(f"no metric filter on {group} for '{message}' ({[f['FilterPattern'] for f in filters]})")
            continue
        t = mine[0]["MetricTransformations"][0]
        if field and t.get("MetricValue") != f"$.fields.{field}":
            problems.append(f"metric from '{message}' counts {t.get('MetricValue')}, not $.fields.{field}")
        alarms = [r.ev(a["Properties"]) for a in of_type(tpl, "AWS::CloudWatch::Alarm").values()]
        alarms = [a for a in alarms if (a.get("Namespace"), a.get("MetricName")) ==
                  (t["MetricNamespace"], t["MetricName"])]
        if len(alarms) != 1:
            problems.append(f"no alarm on {t['MetricName']}")
            continue
        a = alarms[0]
        if a["Period"] * a["EvaluationPeriods"] != window or a.get("DatapointsToAlarm", a["EvaluationPeriods"]) \
                != a["EvaluationPeriods"]:
            problems.append(f"alarm on {t['MetricName']}: watches {a['Period']} s × {a['EvaluationPeriods']}, "
                            f"not {window} s")
        if (a["Statistic"], a["ComparisonOperator"], a["Threshold"]) != rule:
            problems.append(f"alarm on {t['MetricName']}: not {rule}")
        if a.get("TreatMissingData") != "breaching":
            problems.append(f"alarm on {t['MetricName']}: silence (no log line at all) does not alarm")
    return problems


def sam_transform_problems(name: str, tpl: dict) -> list[str]:
    """Translates the SAM template as CloudFormation will and checks what SAM adds."""
    from samtranslator.translator.transform import transform

    logging.getLogger("samtranslator").setLevel(logging.ERROR)  # its metrics chatter

    class NoManagedPolicies:
        def load(self):
            return {}

    tpl = copy.deepcopy(tpl)
    for fn in of_type(tpl, "AWS::Serverless::Function").values():
        fn["Properties"]["CodeUri"] = "s3://artifacts/code.zip"  # what sam deploy uploads
    region = HOME if name == "central" else PROBE_REGION
    params = {"HomeRegion": HOME, "SiteScriptHashes": SCRIPT_HASH}
    saved = os.environ.get("AWS_DEFAULT_REGION")
    os.environ["AWS_DEFAULT_REGION"] = region  # the translator reads the region from the environment
    try:
        out = transform(tpl, params, NoManagedPolicies())
    except Exception as e:  # the translator's own errors
        return [f"{name}: SAM cannot translate it: {e}"]
    finally:
        if saved is None:
            os.environ.pop("AWS_DEFAULT_REGION", None)
        else:
            os.environ["AWS_DEFAULT_REGION"] = saved
    problems = []
    ours = set(of_type(tpl, "AWS::IAM::Role"))
    roles = set(of_type(out, "AWS::IAM::Role"))
    if roles != ours:
        problems.append(f"{name}: SAM adds IAM roles {sorted(roles - ours)}")
    fns = of_type(out, "AWS::Lambda::Function")
    rules = of_type(out, "AWS::Events::Rule")
    perms = of_type(out, "AWS::Lambda::Permission")
    if len(rules) != len(fns) or not all(x["Properties"].get("ScheduleExpression") for x in rules.values()):
        problems.append(f"{name}: {len(rules)} EventBridge schedule rules for {len(fns)} functions")
    if {p["Properties"]["Principal"] for p in perms.values()} != {"events.amazonaws.com"}:
        problems.append(f"{name}: functions invokable by {[p['Properties']['Principal'] for p in perms.values()]}")
    if len(of_type(out, "AWS::Lambda::EventInvokeConfig")) != len(fns):
        problems.append(f"{name}: a function keeps Lambda's default async retries and event age")
    return problems


def check_sam_transform(central: dict, probe: dict) -> list[str]:
    return sam_transform_problems("central", central) + sam_transform_problems("probe", probe)


# ====================================================================== tests

RESULTS: list[tuple[str, bool, str]] = []


def record(name: str, ok: bool, detail: str = "") -> None:
    RESULTS.append((name, ok, detail))
    print(f"{'ok  ' if ok else 'FAIL'} {name}" + (f"\n       {detail}" if detail and not ok else ""), flush=True)


def validator_test(name: str, fn, controls: dict) -> None:
    """fn(central, probe) passes on the real templates and fails on each control."""
    central, probe = cfn.load("central.yaml"), cfn.load("probe.yaml")
    try:
        problems = fn(central, probe)
    except Exception:
        record(name, False, traceback.format_exc(limit=3))
        return
    record(name, not problems, "; ".join(problems))
    for cname, mutate in controls.items():
        c, p = copy.deepcopy(central), copy.deepcopy(probe)
        mutate(c, p)
        try:
            caught = fn(c, p)
        except Exception as e:  # a crash on a broken template also rejects it, but say so
            caught = [f"raised {type(e).__name__}: {e}"]
        record(f"{name} rejects: {cname}", bool(caught),
               "the check passed a deliberately broken template")
        if caught and os.environ.get("CHECK_VERBOSE"):
            print(f"       ({caught[0]})")


def res(tpl, logical):
    return tpl["Resources"][logical]["Properties"]


def stmts(tpl, role):
    return res(tpl, role)["Policies"][0]["PolicyDocument"]["Statement"]


def dist(c):
    return res(c, "Distribution")["DistributionConfig"]


def set_csp(c, edit):
    sec = res(c, "SiteHeadersPolicy")["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    sub = sec["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"]
    sub[0] = edit(sub[0])


TABLE_CONTROLS = {
    "sort key t as a string": lambda c, p: res(c, "RoundsTable")["AttributeDefinitions"][1].update(AttributeType="S"),
    "summaries without sort key": lambda c, p: (res(c, "SummariesTable")["KeySchema"].pop(),
                                                res(c, "SummariesTable")["AttributeDefinitions"].pop()),
    "point-in-time recovery off": lambda c, p: res(c, "RegionsTable")["PointInTimeRecoverySpecification"].update(
        PointInTimeRecoveryEnabled=False),
    "provisioned billing": lambda c, p: res(c, "RoundsTable").update(BillingMode="PROVISIONED"),
    "a table missing": lambda c, p: c["Resources"].pop("RegionsTable"),
}
IAM_CONTROLS = {
    "probe with dynamodb:*": lambda c, p: stmts(p, "ProbeRole")[0].update(Action="dynamodb:*"),
    "probe with action '*'": lambda c, p: stmts(p, "ProbeRole").append(
        {"Effect": "Allow", "Action": "*", "Resource": "*"}),
    "probe writing the summaries table": lambda c, p: stmts(p, "ProbeRole")[0].update(Resource={
        "Fn::Sub": "arn:${AWS::Partition}:dynamodb:${HomeRegion}:${AWS::AccountId}:table/${TablePrefix}-summaries"}),
    "probe PutItem on any pair": lambda c, p: stmts(p, "ProbeRole")[0].pop("Condition"),
    "aggregate logs on Resource '*'": lambda c, p: stmts(c, "AggregateRole")[3].update(Resource="*"),
    "publish may delete objects": lambda c, p: stmts(c, "PublishRole")[2]["Action"].append("s3:DeleteObject"),
    "publish writing the whole bucket": lambda c, p: stmts(c, "PublishRole")[2].update(
        Resource={"Fn::Sub": "${FeedBucket.Arn}/*"}),
    "aggregate lacking BatchWriteItem": lambda c, p: stmts(c, "AggregateRole")[2]["Action"].remove(
        "dynamodb:BatchWriteItem"),
    "a managed policy": lambda c, p: res(c, "PublishRole").update(
        ManagedPolicyArns=["arn:aws:iam::aws:policy/AmazonS3FullAccess"]),
    "SAM Policies on a function": lambda c, p: res(p, "ProbeFunction").update(Policies=["AWSLambdaExecute"]),
    "NotAction": lambda c, p: stmts(p, "ProbeRole").append(
        {"Effect": "Allow", "NotAction": "iam:*", "Resource": {"Fn::GetAtt": "ProbeLogGroup.Arn"}}),
}
BUCKET_CONTROLS = {
    "public access block partly off": lambda c, p: res(c, "FeedBucket")["PublicAccessBlockConfiguration"].update(
        RestrictPublicBuckets=False),
    "policy allowing Principal '*'": lambda c, p: res(c, "FeedBucketPolicy")["PolicyDocument"]["Statement"].append(
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": {"Fn::Sub": "${FeedBucket.Arn}/*"}}),
    "policy allowing AWS '*'": lambda c, p: res(c, "FeedBucketPolicy")["PolicyDocument"]["Statement"][0].update(
        Principal={"AWS": "*"}),
    "CloudFront without the OAC condition": lambda c, p:
        res(c, "FeedBucketPolicy")["PolicyDocument"]["Statement"][0].pop("Condition"),
    "an OAI instead of OAC": lambda c, p: (
        c["Resources"].update(OAI={"Type": "AWS::CloudFront::CloudFrontOriginAccessIdentity",
                                   "Properties": {"CloudFrontOriginAccessIdentityConfig": {"Comment": "x"}}}),
        dist(c)["Origins"][0].pop("OriginAccessControlId"),
        dist(c)["Origins"][0]["S3OriginConfig"].update(
            OriginAccessIdentity={"Fn::Sub": "origin-access-identity/cloudfront/${OAI}"})),
    "website hosting": lambda c, p: res(c, "FeedBucket").update(
        WebsiteConfiguration={"IndexDocument": "index.html"}),
    "versioning off": lambda c, p: res(c, "FeedBucket")["VersioningConfiguration"].update(Status="Suspended"),
    "expiring all of data/": lambda c, p: res(c, "FeedBucket")["LifecycleConfiguration"]["Rules"][1].update(
        Prefix="data/"),
}
CLOUDFRONT_CONTROLS = {
    "HTTP allowed": lambda c, p: dist(c)["DefaultCacheBehavior"].update(ViewerProtocolPolicy="allow-all"),
    "manifest uncompressed": lambda c, p: dist(c)["CacheBehaviors"][0].update(Compress=False),
    "manifest cached a day": lambda c, p: res(c, "ManifestCachePolicy")["CachePolicyConfig"].update(
        DefaultTTL=86400, MaxTTL=86400),
    "data/* before the manifest": lambda c, p: dist(c)["CacheBehaviors"].reverse(),
    "CSP without wasm-unsafe-eval": lambda c, p: set_csp(c, lambda s: s.replace(" 'wasm-unsafe-eval'", "")),
    "CSP with unsafe-inline scripts": lambda c, p: set_csp(c, lambda s: s.replace(
        "script-src 'self'", "script-src 'self' 'unsafe-inline'")),
    "CSP with inline styles": lambda c, p: set_csp(c, lambda s: s.replace(
        "style-src 'self';", "style-src 'self' 'unsafe-inline';")),
    "CSP without frame-ancestors": lambda c, p: set_csp(c, lambda s: s.replace(" frame-ancestors 'none';", "")),
    "CSP connecting anywhere over https": lambda c, p: set_csp(c, lambda s: s.replace(
        "connect-src 'self'", "connect-src 'self' https:")),
    "CSP without one region's endpoint": lambda c, p: set_csp(c, lambda s: s.replace(
        " dynamodb.eu-west-1.amazonaws.com", "")),
    "no HSTS": lambda c, p: res(c, "SiteHeadersPolicy")["ResponseHeadersPolicyConfig"][
        "SecurityHeadersConfig"].pop("StrictTransportSecurity"),
    "no nosniff on the feed": lambda c, p: res(c, "FeedHeadersPolicy")["ResponseHeadersPolicyConfig"][
        "SecurityHeadersConfig"].pop("ContentTypeOptions"),
    "default cache short": lambda c, p: res(c, "LongCachePolicy")["CachePolicyConfig"].update(MaxTTL=3600),
}
FUNCTION_CONTROLS = {
    "arm64": lambda c, p: res(p, "ProbeFunction").update(Architectures=["arm64"]),
    "an old runtime": lambda c, p: res(c, "PublishFunction").update(Runtime="provided.al2"),
    "code from elsewhere": lambda c, p: res(c, "AggregateFunction").update(CodeUri="target/lambda/aggregate/"),
    "no retention": lambda c, p: res(c, "PublishLogGroup").pop("RetentionInDays"),
    "a shared log group": lambda c, p: res(c, "PublishFunction")["LoggingConfig"].update(
        LogGroup={"Ref": "AggregateLogGroup"}),
    "no schedule": lambda c, p: res(c, "AggregateFunction").pop("Events"),
    "probe every 10 minutes": lambda c, p: res(p, "ProbeFunction")["Events"]["Every5Minutes"][
        "Properties"].update(Schedule="rate(10 minutes)"),
    "a variable nothing reads": lambda c, p: res(c, "AggregateFunction")["Environment"]["Variables"].update(
        CLOUDPING_TABLES="x"),
    "probe not told the home region": lambda c, p: res(p, "ProbeFunction")["Environment"]["Variables"].pop(
        "CLOUDPING_HOME_REGION"),
}
ALARM_CONTROLS = {
    "filter on another message": lambda c, p: res(c, "SilentRegionsMetric").update(
        FilterPattern='{ $.fields.message = "rollup done" }'),
    "counting runs, not silent regions": lambda c, p: res(c, "SilentRegionsMetric")["MetricTransformations"][0].update(
        MetricValue="1"),
    "silence not alarming": lambda c, p: res(c, "SilentRegionsAlarm").update(TreatMissingData="notBreaching"),
    "an hour, not three intervals": lambda c, p: res(c, "SilentRegionsAlarm").update(Period=3600),
    "no publish alarm": lambda c, p: c["Resources"].pop("PublishStoppedAlarm"),
}
SAM_CONTROLS = {
    "SAM Policies instead of our role": lambda c, p: (res(p, "ProbeFunction").pop("Role"),
                                                      res(p, "ProbeFunction").update(
                                                          Policies=["AmazonDynamoDBFullAccess"])),
    "an unknown event type": lambda c, p: res(c, "PublishFunction")["Events"]["Schedule"].update(Type="Schedul"),
    "default async retries": lambda c, p: res(c, "AggregateFunction").pop("EventInvokeConfig"),
}


# ---------------------------------------------------------------- external linters

def lint(cmd: list[str], path: Path) -> tuple[int, str]:
    env = dict(os.environ, SAM_CLI_TELEMETRY="0")
    proc = subprocess.run(cmd + [str(path)], capture_output=True, text=True, env=env, cwd=path.parent)
    return proc.returncode, (proc.stdout + proc.stderr).strip()


def broken_copy(tmp: Path, name: str) -> Path:
    """The template with one error CloudFormation would reject (an unknown billing mode / event)."""
    text = (DEPLOY / name).read_text()
    if name == "central.yaml":
        text = text.replace("BillingMode: PAY_PER_REQUEST", "BillingMode: PAY_PER_REQUESTS", 1)
    else:
        text = text.replace("Timeout: 60", "Timeout: 9000", 1)
    out = tmp / name
    out.write_text(text)
    return out


def test_linters(tmp: Path) -> None:
    sam = os.environ.get("SAM_BIN", "sam")
    tools = {
        "cfn-lint": [str(Path(sys.executable).parent / "cfn-lint"), "--include-checks", "I", "--"],
        "sam validate --lint": [sam, "validate", "--lint", "--region", HOME, "--template"],
    }
    for tool, cmd in tools.items():
        for name in ("central.yaml", "probe.yaml"):
            rc, out = lint(cmd, DEPLOY / name)
            record(f"{tool} passes deploy/{name}", rc == 0, out[-800:])
            rc, out = lint(cmd, broken_copy(tmp, name))
            record(f"{tool} rejects a broken deploy/{name}", rc != 0, "the linter passed a broken template")


# ---------------------------------------------------------------- the deploy script

THREE = "home us-east-1\nprobe us-east-1\nprobe eu-west-1   # Ireland\n\nprobe ap-southeast-2\n"

EXPECTED_DRY_RUN = [
    r"aws sts get-caller-identity .*",
    r"cargo lambda build --release --x86-64 --package lambdas --locked --lambda-dir deploy/build",
    r"bash scripts/build-site\.sh",
    r"script_hashes=\$\(python3 deploy/csp_hashes\.py dist/index\.html\)",
    r"previous_hashes=\$\(aws cloudformation describe-stacks --region us-east-1 --stack-name cloudping-central .*"
    r"SiteScriptHashes.*\|\| true\)",
    r"sam deploy --template-file deploy/central\.yaml --stack-name cloudping-central --region us-east-1 "
    r".*CAPABILITY_IAM.* --parameter-overrides TablePrefix=cloudping \"SiteScriptHashes=\$\{script_hashes\}\"",
    r"BucketName=\$\(aws cloudformation describe-stacks --region us-east-1 --stack-name cloudping-central .*\)",
    r"DistributionId=\$\(aws cloudformation describe-stacks --region us-east-1 .*\)",
    r"SiteUrl=\$\(aws cloudformation describe-stacks --region us-east-1 .*\)",
    r"sam deploy --template-file deploy/probe\.yaml --stack-name cloudping-probe --region us-east-1 "
    r".*--parameter-overrides HomeRegion=us-east-1 TablePrefix=cloudping",
    r"sam deploy --template-file deploy/probe\.yaml --stack-name cloudping-probe --region eu-west-1 "
    r".*--parameter-overrides HomeRegion=us-east-1 TablePrefix=cloudping",
    r"sam deploy --template-file deploy/probe\.yaml --stack-name cloudping-probe --region ap-southeast-2 "
    r".*--parameter-overrides HomeRegion=us-east-1 TablePrefix=cloudping",
    r"aws s3 sync dist/ \"s3://\$\{BucketName\}/\" .*--include '\*\.wasm' --content-type application/wasm "
    r"--cache-control 'public, max-age=31536000, immutable'",
    r"aws s3 sync dist/ \"s3://\$\{BucketName\}/\" .*--include '\*\.js' --content-type 'text/javascript.*immutable'",
    r"aws s3 sync dist/ \"s3://\$\{BucketName\}/\" .*--include '\*\.css' --content-type 'text/css.*immutable'",
    r"aws s3 sync dist/ \"s3://\$\{BucketName\}/\" .*--exclude index\.html .*--exclude 'data/\*'.*",
    r"aws s3 cp dist/index\.html \"s3://\$\{BucketName\}/index\.html\" .*--content-type 'text/html; "
    r"charset=utf-8' --cache-control no-cache",
    r"aws cloudfront create-invalidation --distribution-id \"\$\{DistributionId\}\" --paths /index\.html /",
]


def order_problems(commands: list[str], expected: list[str]) -> list[str]:
    problems = []
    for i, pattern in enumerate(expected):
        got = commands[i] if i < len(commands) else "(nothing)"
        if not re.fullmatch(pattern, got):
            problems.append(f"step {i + 1}: expected /{pattern}/, got: {got}")
            break
    if len(commands) != len(expected) and not problems:
        problems.append(f"{len(commands)} commands, expected {len(expected)}: extra {commands[len(expected):]}")
    return problems


def stubs(tmp: Path, log: Path, answers: dict[str, str]) -> Path:
    """A bin folder of stand-ins for aws, sam, cargo, cargo-lambda and trunk that log their argv."""
    bin_ = tmp / "stub-bin"
    bin_.mkdir(exist_ok=True)
    for tool in ("aws", "sam", "cargo", "cargo-lambda", "trunk"):
        script = f"""#!{sys.executable}
import json, sys
with open({str(log)!r}, "a") as f:
    f.write(json.dumps([{tool!r}] + sys.argv[1:]) + "\\n")
answers = {json.dumps(answers)}
joined = " ".join(sys.argv[1:])
for needle, answer in answers.items():
    if {tool!r} == "aws" and needle in joined:
        print(answer)
        break
"""
        (bin_ / tool).write_text(script)
        (bin_ / tool).chmod(0o755)
    return bin_


def run_deploy(tmp: Path, args: list[str], regions: str, answers: dict[str, str] | None = None):
    regions_file = tmp / "regions.txt"
    regions_file.write_text(regions)
    log = tmp / "calls.jsonl"
    log.write_text("")
    bin_ = stubs(tmp, log, answers or {})
    home = tmp / "home"
    home.mkdir(exist_ok=True)
    # The site build reduces the base map from world-atlas (installed by
    # scripts/setup.sh): the stand-in cache lends it the real one.
    atlas = tmp / "cache/tools/node_modules/world-atlas"
    if not atlas.exists():
        atlas.parent.mkdir(parents=True, exist_ok=True)
        atlas.symlink_to(Path(os.environ["TOOLS_DIR"]) / "node_modules/world-atlas")
    env = dict(os.environ, PATH=f"{bin_}:{os.environ['PATH']}", HOME=str(home),
               CLOUDPING_CACHE=str(tmp / "cache"))
    env.pop("CARGO_TARGET_DIR", None)
    proc = subprocess.run(["bash", str(REPO / "scripts/deploy.sh"), "--regions-file", str(regions_file)] + args,
                          capture_output=True, text=True, env=env, cwd=tmp)
    calls = [json.loads(x) for x in log.read_text().splitlines()]
    return proc, calls


def plus_lines(out: str) -> list[str]:
    return [line[2:] for line in out.splitlines() if line.startswith("+ ")]


def test_deploy_script(tmp: Path) -> None:
    build_dir = DEPLOY / "build"
    existed = build_dir.exists()
    proc, calls = run_deploy(tmp, ["--dry-run"], THREE)
    commands = plus_lines(proc.stdout)
    record("dry run (us-east-1 home; us-east-1, eu-west-1, ap-southeast-2) exits 0",
           proc.returncode == 0, proc.stderr[-500:])
    problems = order_problems(commands, EXPECTED_DRY_RUN)
    record("dry run lists the expected steps, in order", not problems, "; ".join(problems))
    swapped = commands[:]
    swapped[5], swapped[9] = swapped[9], swapped[5]
    record("dry-run order check rejects: probe stack before the central one",
           bool(order_problems(swapped, EXPECTED_DRY_RUN)), "the order check passed a wrong order")
    record("dry-run order check rejects: a region left out",
           bool(order_problems(commands[:11] + commands[12:], EXPECTED_DRY_RUN)),
           "the order check passed a missing region")
    record("dry run calls nothing (no aws, sam, cargo, trunk) and builds nothing",
           calls == [] and build_dir.exists() == existed, f"called {calls}")

    for label, regions, args in (
        ("no home region", "probe eu-west-1\n", ["--dry-run"]),
        ("a misspelt region", "home us-east-1\nprobe eu-wset-1\n", ["--dry-run"]),
        ("a probe in another partition", "home us-east-1\nprobe cn-north-1\n", ["--dry-run"]),
        ("a region twice", "home us-east-1\nprobe eu-west-1\nprobe eu-west-1\n", ["--dry-run"]),
        ("an unknown option", THREE, ["--dry-run", "--yes"]),
    ):
        proc_bad, calls_bad = run_deploy(tmp, args, regions)
        record(f"deploy.sh refuses {label}", proc_bad.returncode != 0 and calls_bad == [],
               f"rc {proc_bad.returncode}: {proc_bad.stdout[-300:]}")

    # The real run (AWS, SAM, cargo and trunk replaced by stand-ins) makes
    # exactly the calls the dry run printed, values read from AWS filled in.
    new = ",".join(csp_hashes.hashes((REPO / "dist/index.html").read_text()))
    answers = {
        "get-caller-identity": ACCOUNT,
        "ParameterKey=='SiteScriptHashes'": "sha256-OLD=,sha256-OLDER=",
        "OutputKey=='BucketName'": BUCKET,
        "OutputKey=='DistributionId'": "E2EXAMPLE0DIST",
        "OutputKey=='SiteUrl'": "https://d1example.cloudfront.net/",
    }
    proc_real, calls = run_deploy(tmp, [], THREE, answers)
    values = {"BucketName": BUCKET, "DistributionId": "E2EXAMPLE0DIST", "script_hashes": f"{new},sha256-OLD="}
    expected = []
    for c in commands:
        m = re.fullmatch(r"(\w+)=\$\((.*?)( 2>/dev/null \|\| true)?\)", c)
        c = m.group(2) if m else c
        argv = [re.sub(r"\$\{(\w+)\}", lambda v: values[v.group(1)], a) for a in shlex.split(c)]
        if argv[0] == "python3":
            continue  # real, not a stand-in
        if argv == ["bash", "scripts/build-site.sh"]:
            argv = ["trunk", "build", "--release", "--offline"]
        expected.append(argv)
    record("the real run makes exactly the dry run's calls (stand-ins for aws, sam, cargo, trunk)",
           proc_real.returncode == 0 and calls == expected,
           f"rc {proc_real.returncode} {proc_real.stderr[-300:]}\n       got {calls}\n       expected {expected}")
    sam_central = next((c for c in calls if c[:2] == ["sam", "deploy"] and "deploy/central.yaml" in c), [])
    record("the CSP keeps the previous build's loader hash",
           f"SiteScriptHashes={new},sha256-OLD=" in sam_central, f"{sam_central}")


def test_regions_file() -> None:
    commercial = commercial_regions()
    active, commented = set(), set()
    home = []
    for line in (DEPLOY / "regions.txt").read_text().splitlines():
        m = re.match(r"^(#\s*)?(home|probe)\s+([a-z0-9-]+)\s*(#.*)?$", line)
        if not m:
            continue
        if m.group(2) == "home":
            home.append(m.group(3))
        else:
            (commented if m.group(1) else active).add(m.group(3))
    problems = []
    if len(commercial) != 34:
        problems.append(f"the catalog has {len(commercial)} commercial regions, expected 34")
    if active | commented != set(commercial):
        problems.append(f"not listed: {sorted(set(commercial) - active - commented)}")
    if {c for c in active if commercial.get(c)}:
        problems.append(f"opt-in regions on by default: {sorted(c for c in active if commercial.get(c))}")
    if home != ["us-east-1"]:
        problems.append(f"home {home}")
    record("deploy/regions.txt lists the 34 commercial regions, opt-in ones off", not problems, "; ".join(problems))


# ---------------------------------------------------------------- the CSP in a browser

def serve(root: Path, headers: dict[str, str]) -> tuple[ThreadingHTTPServer, str]:
    class Handler(SimpleHTTPRequestHandler):
        def end_headers(self):
            for k, v in headers.items():
                self.send_header(k, v)
            super().end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def site_csp() -> str:
    """The site CSP the template produces for the built dist/index.html."""
    central = cfn.load("central.yaml")
    hashes = ",".join(csp_hashes.hashes((REPO / "dist/index.html").read_text()))
    r = Resolver(central, HOME, {"SiteScriptHashes": hashes})
    cfg = r.ev(res(central, "SiteHeadersPolicy"))["ResponseHeadersPolicyConfig"]
    return cfg["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"]


def ping_server(cert: Path, key: Path) -> ThreadingHTTPServer:
    """An HTTPS server answering every request with 200, as DynamoDB's /ping does."""
    import ssl

    class Ping(SimpleHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "7")
            self.end_headers()
            self.wfile.write(b"healthy")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Ping)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(cert), str(key))
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def app_works(result: dict) -> list[str]:
    problems = []
    measured, total = result.get("measured"), result.get("regions")
    if measured is None or total != 34 or measured != total:
        problems.append(f"the browser measured {measured} of {total} regions, not all 34")
    if not result.get("rendered") or not re.fullmatch(r"\d+(\.\d+)?", result.get("cell") or ""):
        problems.append(f"the matrix did not render (cell {result.get('cell')!r})")
    if result.get("background") in (None, "", "rgba(0, 0, 0, 0)"):
        problems.append("the matrix cells have no colour (inline style attributes blocked)")
    if result.get("violations"):
        problems.append(f"CSP violations: {result['violations']}")
    if result.get("errors"):
        problems.append(f"page errors: {result['errors']}")
    return problems


def test_csp_in_browser(tmp: Path) -> None:
    root = tmp / "site"
    shutil.copytree(REPO / "dist", root)
    shutil.copytree(REPO / "shared/tests/fixtures/feed/v2", root / "data/v2")
    good = site_csp()
    variants = {
        "the template's CSP": good,
        "without the DynamoDB endpoints": re.sub(r"connect-src [^;]*;", "connect-src 'self';", good),
        "without the loader's hash": re.sub(r" 'sha256-[^']+'", "", good),
        "without 'wasm-unsafe-eval'": good.replace(" 'wasm-unsafe-eval'", ""),
        "without style-src-attr": re.sub(r" style-src-attr [^;]*;", "", good),
    }
    assert all(v != good for k, v in variants.items() if k != "the template's CSP"), "a variant did not change"
    # Every region's endpoint, as Chromium resolves it for the page, is one
    # local HTTPS server (a self-signed certificate) answering /ping.
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=dynamodb.amazonaws.com", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    endpoint = ping_server(cert, key)
    servers, urls = [endpoint], {}
    for name, csp in variants.items():
        server, url = serve(root, {"Content-Security-Policy": csp, "X-Content-Type-Options": "nosniff"})
        servers.append(server)
        urls[name] = url
    try:
        proc = subprocess.run(["node", str(DEPLOY / "tests/csp_browser.mjs"), json.dumps(urls)],
                              capture_output=True, text=True, timeout=300,
                              env={**os.environ, "CSP_ENDPOINT_PORT": str(endpoint.server_address[1])})
    finally:
        for s in servers:
            s.shutdown()
    try:
        results = json.loads(proc.stdout)
    except json.JSONDecodeError:
        record("the Wasm app runs in Chromium under the site's CSP", False, proc.stdout[-500:] + proc.stderr[-800:])
        return
    problems = app_works(results["the template's CSP"])
    record("the Wasm app runs and measures every region from the browser in Chromium under the site's CSP "
           "(matrix drawn, coloured, 34 of 34 measured, no violation)",
           not problems, "; ".join(problems))
    if os.environ.get("CHECK_VERBOSE"):
        print(json.dumps(results, indent=1))
    for name in list(variants)[1:]:
        record(f"the browser check notices a CSP {name}", bool(app_works(results[name])),
               f"the app looked fine under a broken CSP: {results[name]}")


# ---------------------------------------------------------------- README

def test_readme_cost() -> None:
    readme = (DEPLOY / "README.md").read_text()
    table = cost.table()
    scen = cost.scenarios()
    record("deploy/README.md's cost table is deploy/cost.py's output", table in readme and scen in readme,
           "run: python3 deploy/cost.py; python3 deploy/cost.py --scenarios, and paste into deploy/README.md")
    record("the bill at every measured age is at most $15 a month",
           all(cost.monthly(cost.load(), age) <= 15 for age in cost.load()),
           cost.scenarios())
    changed = readme.replace("| **total** |", "| **total (edited)** |", 1)
    record("the cost check notices an edited table", not (table in changed and scen in changed),
           "an edited table still matched")


# ====================================================================== main

def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="cloudping-deploy-check-"))
    try:
        suites = [
            ("tables as store/src/dynamo.rs has them", check_tables, TABLE_CONTROLS),
            ("IAM: only the calls each function makes, on its own resources", check_iam, IAM_CONTROLS),
            ("bucket private, reached only through CloudFront OAC", check_bucket, BUCKET_CONTROLS),
            ("CloudFront: HTTPS, compression, cache behaviours, security headers", check_cloudfront,
             CLOUDFRONT_CONTROLS),
            ("functions: runtime, code, roles, logs, schedules, environment", check_functions, FUNCTION_CONTROLS),
            ("alarms: probe silent 3 intervals, rollup and publish stopped", check_alarms, ALARM_CONTROLS),
            ("SAM translation adds no role and wires the schedules", check_sam_transform, SAM_CONTROLS),
        ]
        for name, fn, controls in suites:
            validator_test(
                name,
                (lambda f: (lambda c, p: f(c) if f.__code__.co_argcount == 1 else f(c, p)))(fn),
                controls,
            )
        test_linters(tmp)
        test_regions_file()
        test_deploy_script(tmp)
        test_readme_cost()
        test_csp_in_browser(tmp)
    except Exception:
        record("the checks themselves ran", False, traceback.format_exc())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    passed = sum(1 for _, ok, _ in RESULTS if ok)
    failed = len(RESULTS) - passed
    print(f"\n{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
