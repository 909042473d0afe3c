"""Independent checks of a feed published to S3.

Starts moto's server, has `cloudping publish --s3` write a small simulated
feed into a bucket there, then reads every file back with boto3 (not our
code) and validates it against the JSON Schemas in SCHEMA_DIR with
check-jsonschema (also not our code): the manifest, the matrices, the series
index and every series chunk it names (the series objects must be exactly
those), and every line of the raw NDJSON files; the schemas published under
schema/ must be SCHEMA_DIR's. Stops the server whatever happens.

Usage: python s3_readback.py CLOUDPING_BIN SCHEMA_DIR
"""
import gzip
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timezone

import boto3
import jsonschema

BIN, SCHEMAS = sys.argv[1], sys.argv[2]
passed, failed = 0, 0
check_jsonschema = os.path.join(os.path.dirname(sys.executable), "check-jsonschema")
if not os.path.exists(check_jsonschema):
    check_jsonschema = "check-jsonschema"


def unix(s):
    return int(datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp())


def iso(t):
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {what}", file=sys.stderr)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


port = free_port()
endpoint = f"http://127.0.0.1:{port}"
moto_bin = os.path.join(os.path.dirname(sys.executable), "moto_server")
moto = subprocess.Popen([moto_bin, "-H", "127.0.0.1", "-p", str(port)],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    for _ in range(300):
        try:
            urllib.request.urlopen(endpoint + "/moto-api/", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_REGION="us-east-1")
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                      aws_access_key_id="test", aws_secret_access_key="test")
    s3.create_bucket(Bucket="cloudping-feed")
    work = tempfile.mkdtemp()
    db = ["--db", os.path.join(work, "db.sqlite")]
    run = lambda *a: subprocess.run([BIN, *db, *a], check=True, env=env, capture_output=True)
    run("simulate", "--days", "3", "--end", "2026-11-20T00:00:00Z", "--regions", "us-east-1,eu-west-1,ap-south-1")
    run("rollup")
    run("publish", "--s3", "cloudping-feed", "--endpoint-url", endpoint)

    def get(rel):
        obj = s3.get_object(Bucket="cloudping-feed", Key="data/v2/" + rel)
        return obj, obj["Body"].read()

    def schema(kind):
        with open(os.path.join(SCHEMAS, f"{kind}.schema.json")) as f:
            return json.load(f)

    def listed(prefix):
        return [o for page in s3.get_paginator("list_objects_v2").paginate(Bucket="cloudping-feed", Prefix=prefix)
                for o in page.get("Contents", [])]

    def validate(kind, rel, body=None):
        """Validates one file, or a list of (rel, body) in one check-jsonschema run."""
        files = [(rel, body)] if body is not None else rel
        paths = []
        for r, b in files:
            path = os.path.join(work, "files", r)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(b)
            paths.append(path)
        r = subprocess.run([check_jsonschema, "--schemafile", os.path.join(SCHEMAS, f"{kind}.schema.json"), *paths],
                           capture_output=True, text=True)
        what = files[0][0] if len(files) == 1 else f"{len(files)} files"
        check(r.returncode == 0 and paths, f"{what} against {kind} schema: {r.stdout}{r.stderr}")

    obj, body = get("manifest.json")
    check(obj["ContentType"] == "application/json", "manifest content type")
    check("max-age=60" in obj["CacheControl"], f"manifest is short-lived: {obj['CacheControl']}")
    validate("manifest", "manifest.json", body)
    manifest = json.loads(body)
    check(manifest["simulated"] is True, "simulated feed says so")
    for w in manifest["windows"]:
        obj, body = get(w["matrix"])
        check("immutable" in obj["CacheControl"], f"{w['matrix']} is immutable")
        validate("matrix", w["matrix"], body)
        obj, body = get(w["matrix_csv"])
        check(obj["ContentType"].startswith("text/csv"), "csv content type")
        check(body.decode().count("\n") == 1 + 9, f"{w['matrix_csv']}: a header and 9 pairs")
    _, body = get(manifest["series_index"])
    validate("series-index", manifest["series_index"], body)
    index = json.loads(body)
    check(sorted(index["sources"]) == ["ap-south-1", "eu-west-1", "us-east-1"], "3 sources in the series index")
    res_ids = [r["id"] for r in index["resolutions"]]
    check(res_ids == ["5m", "1h", "1d"], f"resolutions 5m, 1h, 1d: {res_ids}")
    # Every chunk the index names: per source and resolution, from `first` to the newest open
    # chunk; closed ones at series/{res}/{src}/{YYYY-MM-DDTHH of the start}.json, open ones listed.
    chunks = []
    for src, per_res in sorted(index["sources"].items()):
        check(sorted(per_res) == sorted(res_ids), f"{src}: chunks at every resolution: {sorted(per_res)}")
        for res in index["resolutions"]:
            c = per_res.get(res["id"])
            if c is None:
                continue
            first, closed = unix(c["first"]), unix(c["closed_before"])
            open_ = {unix(t): rel for t, rel in c["open"].items()}
            newest = max(open_) if open_ else closed - res["chunk_seconds"]
            for t in range(first, newest + 1, res["chunk_seconds"]):
                rel = open_.get(t) or (f"series/{res['id']}/{src}/{iso(t)[:13]}.json" if t < closed else None)
                check(rel is not None, f"{src} {res['id']}: no chunk at {iso(t)}")
                if rel is not None:
                    chunks.append(rel)
    check(len(chunks) > 0, "the series index names chunks")
    series_keys = {o["Key"][len("data/v2/"):] for o in listed("data/v2/series/")}
    check(series_keys == set(chunks) | {manifest["series_index"]},
          f"series objects are the index and its chunks: {sorted(series_keys ^ (set(chunks) | {manifest['series_index']}))[:5]} differ")
    files = []
    for rel in chunks:
        obj, body = get(rel)
        check("immutable" in obj["CacheControl"], f"{rel} is immutable")
        files.append((rel, body))
    validate("series-chunk", files)
    published_schemas = {o["Key"] for o in listed("data/v2/schema/")}
    kinds = ["manifest", "matrix", "series-chunk", "series-index", "raw-round", "changes"]
    # The level shifts, at fixed names beside the manifest, cached like it.
    obj, body = get("changes.json")
    check(obj["ContentType"] == "application/json" and "max-age=60" in obj["CacheControl"],
          f"changes.json served like the manifest: {obj['ContentType']}, {obj['CacheControl']}")
    validate("changes", "changes.json", body)
    obj, body = get("changes.atom")
    check(obj["ContentType"] == "application/atom+xml" and "max-age=60" in obj["CacheControl"],
          f"changes.atom served like the manifest: {obj['ContentType']}, {obj['CacheControl']}")
    check(body.startswith(b"<?xml") and b"<feed xmlns=\"http://www.w3.org/2005/Atom\"" in body,
          "changes.atom is an Atom feed")
    check(published_schemas == {f"data/v2/schema/{k}.schema.json" for k in kinds},
          f"published schemas: {sorted(published_schemas)}")
    for k in kinds:
        check(json.loads(get(f"schema/{k}.schema.json")[1]) == schema(k), f"published {k} schema is {SCHEMAS}'s")
    raw_schema = schema("raw-round")
    check(len(manifest["raw"]) == 2, "two complete raw days")
    for day in manifest["raw"]:
        obj, body = get(day["path"])
        check(obj["ContentType"] == "application/gzip", "raw content type")
        lines = gzip.decompress(body).decode().splitlines()
        check(len(lines) == day["rounds"], f"{day['path']}: {len(lines)} lines, manifest says {day['rounds']}")
        errors = [str(e) for line in lines for e in jsonschema.Draft202012Validator(raw_schema).iter_errors(json.loads(line))]
        check(not errors, f"{day['path']}: {errors[:3]}")
finally:
    moto.terminate()
    moto.wait()

print(f"s3 feed: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
