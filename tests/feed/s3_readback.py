"""Independent checks of a feed published to S3.

Starts moto's server, has `cloudping publish --s3` write a small simulated
feed into a bucket there, then reads every file back with boto3 (not our
code) and validates it against the published JSON Schemas with
check-jsonschema (also not our code), including every line of the raw
NDJSON files. Stops the server whatever happens.

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

import boto3
import jsonschema

BIN, SCHEMAS = sys.argv[1], sys.argv[2]
passed, failed = 0, 0


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

    def validate(kind, rel, body):
        path = os.path.join(work, "files", rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(body)
        r = subprocess.run(["check-jsonschema", "--schemafile", os.path.join(SCHEMAS, f"{kind}.schema.json"), path],
                           capture_output=True, text=True)
        check(r.returncode == 0, f"{rel} against {kind} schema: {r.stdout}{r.stderr}")

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
    check(len(index["pairs"]) == 9, "9 pairs in the series index")
    for files in index["pairs"].values():
        for rel in files.values():
            validate("series", rel, get(rel)[1])
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
