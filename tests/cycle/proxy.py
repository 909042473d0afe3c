#!/usr/bin/env python3
"""Counting / fault-injecting reverse proxy between the AWS SDK and a moto server.

Stdlib only, Python 3.11+.

    python proxy.py --upstream http://127.0.0.1:MOTO_PORT --port 0 --port-file PATH [--verbose]

Listens on 127.0.0.1 only, writes the chosen port (digits, no newline) to PATH
once listening, serves until SIGTERM/SIGINT.

Everything except the control endpoints is forwarded to the upstream, keeping the
method, raw path + query and all headers (Host and the SigV4 headers included)
unchanged.  Hop-by-hop headers (Connection, Keep-Alive, Transfer-Encoding, TE,
Trailer, Upgrade, Proxy-*) and Expect are not forwarded; an HTTP chunked request
body is de-chunked and sent upstream with Content-Length.  An `aws-chunked`
content encoding (S3 streaming checksums/signatures) is *not* altered: moto
decodes it itself; the proxy only decodes it to count `bytes_uploaded`.

Control endpoints (same port, path prefix /__proxy/, never forwarded):

    GET  /__proxy/counters  -> counters since the last reset
    POST /__proxy/reset     -> zero the counters; the reply is the snapshot that
                               was just cleared (atomic read-and-reset)
    GET  /__proxy/faults    -> {"plan": [remaining rules], "log": [injected faults]}
    POST /__proxy/faults    -> body: a JSON list of rules (or {"rules": [...]});
                               replaces the plan and clears the log
    DELETE /__proxy/faults  -> clear plan and log
    GET  /__proxy/health    -> {"ok": true, "upstream": ...}

Counters:

    {
      "dynamodb": {
        "requests": 12, "read_units": 3.5, "write_units": 7,
        "PutItem": {"requests": 4, "errors": 1, "read_units": 0.0, "write_units": 4},
        "Query":   {"requests": 3, "errors": 0, "read_units": 1.5, "write_units": 0},
        ...                                    (one object per X-Amz-Target operation)
      },
      "s3": {"put": 2, "get": 1, "list": 1, "head": 0, "delete": 0, "other": 1,
             "errors": 0, "bytes_uploaded": 123, "bytes_downloaded": 123},
      "faults_injected": 0,
      "upstream_errors": 0        (requests answered 502 because moto was unreachable)
    }

Requests answered by an injected fault are counted in `requests` / the S3 op
count (they did go over the wire to the proxy); they consume no units except for
`reset_after_forward` and `slow`, which reached moto.

Fault rules, matched in list order:

    {"service": "dynamodb"|"s3"|"any", "operation": "PutItem"|"put"|"*",
     "kind": "throttle"|"http500"|"reset"|"reset_after_forward"|"slow",
     "count": N, "after": M, "delay_seconds": 5}

`service` defaults to "any", `operation` to "*" (compared case-insensitively),
`count` to 1 (-1 = unlimited), `after` to 0, `delay_seconds` (slow only) to 5.
A request walks the rules in order; a matching rule that is not done and still
has `after` > 0 counts the request as one of its skipped ones (after -= 1) and
lets it pass on to the next rule; the first matching rule with after == 0 and
count != 0 injects (count -= 1) and decides.  Rules whose count reached 0 are
dropped from the plan.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import http.client
import json
import math
import os
import re
import signal
import socket
import struct
import sys
import threading
import time
import urllib.parse
import uuid
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CONTROL_PREFIX = "/__proxy/"

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "expect",
}

FAULT_KINDS = {"throttle", "http500", "reset", "reset_after_forward", "slow"}
SERVICES = {"dynamodb", "s3", "any"}

S3_LIST_PARAMS = {
    "list-type",
    "prefix",
    "delimiter",
    "continuation-token",
    "max-keys",
    "start-after",
    "marker",
    "encoding-type",
    "fetch-owner",
    "uploads",
    "versions",
    "key-marker",
    "version-id-marker",
    "upload-id-marker",
}
S3_OBJECT_SUBRESOURCES = {
    "acl",
    "tagging",
    "attributes",
    "legal-hold",
    "retention",
    "torrent",
    "restore",
    "select",
}

VERBOSE = False


def vlog(msg: str) -> None:
    if VERBOSE:
        print(f"proxy: {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- #
# DynamoDB capacity estimation
# --------------------------------------------------------------------------- #


def _utf8_len(s: str) -> int:
    return len(s.encode("utf-8"))


def _number_size(s: str) -> int:
    s = str(s).strip().lstrip("+-")
    mantissa = re.split(r"[eE]", s, maxsplit=1)[0]
    digits = mantissa.replace(".", "").lstrip("0").rstrip("0")
    sig = max(len(digits), 1)
    return (sig + 1) // 2 + 1


def _binary_size(v: str) -> int:
    try:
        return len(base64.b64decode(v, validate=False))
    except Exception:
        return (len(v) * 3) // 4


def value_size(v) -> int:
    if not isinstance(v, dict) or not v:
        return 0
    (t, x), = list(v.items())[:1]
    if t == "S":
        return _utf8_len(x)
    if t == "N":
        return _number_size(x)
    if t == "B":
        return _binary_size(x)
    if t in ("BOOL", "NULL"):
        return 1
    if t == "L":
        return 3 + sum(value_size(e) for e in x or [])
    if t == "M":
        return 3 + sum(_utf8_len(k) + value_size(e) for k, e in (x or {}).items())
    if t == "SS":
        return sum(_utf8_len(e) for e in x or [])
    if t == "NS":
        return sum(_number_size(e) for e in x or [])
    if t == "BS":
        return sum(_binary_size(e) for e in x or [])
    return 0


def item_size(item) -> int:
    if not isinstance(item, dict):
        return 0
    return sum(_utf8_len(k) + value_size(v) for k, v in item.items())


def _wcu(size: int) -> int:
    return max(1, math.ceil(size / 1024))


def _rcu_blocks(size: int) -> int:
    return max(1, math.ceil(size / 4096))


def _decode_body(body: bytes, encoding: str | None) -> bytes:
    enc = (encoding or "").lower()
    try:
        if "gzip" in enc:
            return gzip.decompress(body)
        if "deflate" in enc:
            return zlib.decompress(body)
    except Exception:
        pass
    return body


def _json(body: bytes):
    if not body:
        return {}
    try:
        return json.loads(body)
    except Exception:
        return {}


def dynamodb_units(op: str, req: dict, status: int, resp: dict) -> tuple[float, int]:
    """Return (read_units, write_units) for one forwarded request."""
    err_type = str(resp.get("__type", "")) if status >= 300 else ""
    cond_failed = err_type.endswith("ConditionalCheckFailedException")
    ok = 200 <= status < 300

    if op in ("PutItem", "UpdateItem", "DeleteItem"):
        if not (ok or cond_failed):
            return 0.0, 0
        if op == "PutItem":
            size = item_size(req.get("Item"))
        elif op == "UpdateItem":
            size = item_size(req.get("Key")) + sum(
                value_size(v) for v in (req.get("ExpressionAttributeValues") or {}).values()
            )
        else:
            size = item_size(req.get("Key"))
        if ok and isinstance(resp.get("Attributes"), dict) and op != "PutItem":
            size = max(size, item_size(resp["Attributes"]))
        return 0.0, _wcu(size)

    if not ok:
        return 0.0, 0

    if op == "BatchWriteItem":
        def charge(request_items) -> int:
            total = 0
            for entries in (request_items or {}).values():
                for e in entries or []:
                    if "PutRequest" in e:
                        total += _wcu(item_size((e["PutRequest"] or {}).get("Item")))
                    elif "DeleteRequest" in e:
                        total += 1
            return total

        return 0.0, max(0, charge(req.get("RequestItems")) - charge(resp.get("UnprocessedItems")))

    factor = 1.0 if req.get("ConsistentRead") is True else 0.5

    if op == "GetItem":
        item = resp.get("Item")
        if isinstance(item, dict) and item:
            return factor * _rcu_blocks(item_size(item)), 0
        return factor, 0

    if op in ("Query", "Scan"):
        total = sum(item_size(i) for i in resp.get("Items") or [])
        return factor * _rcu_blocks(total), 0

    if op == "BatchGetItem":
        ru = 0.0
        responses = resp.get("Responses") or {}
        unprocessed = resp.get("UnprocessedKeys") or {}
        for table, spec in (req.get("RequestItems") or {}).items():
            spec = spec or {}
            f = 1.0 if spec.get("ConsistentRead") is True else 0.5
            returned = responses.get(table) or []
            for it in returned:
                ru += f * _rcu_blocks(item_size(it))
            n_keys = len(spec.get("Keys") or [])
            n_unproc = len((unprocessed.get(table) or {}).get("Keys") or [])
            ru += f * max(0, n_keys - len(returned) - n_unproc)
        return ru, 0

    return 0.0, 0


# --------------------------------------------------------------------------- #
# S3 classification
# --------------------------------------------------------------------------- #


def classify_s3(method: str, raw_path: str) -> str:
    path, _, query = raw_path.partition("?")
    q = {k for k, _ in urllib.parse.parse_qsl(query, keep_blank_values=True)}
    parts = path.lstrip("/").split("/", 1)
    bucket = parts[0]
    key = parts[1] if len(parts) > 1 else ""
    if method == "HEAD":
        return "head"
    if method == "GET":
        if not bucket:
            return "list"  # ListBuckets
        if not key:
            return "list" if (not q or q & S3_LIST_PARAMS) else "other"
        if "uploadId" in q:
            return "list"  # ListParts
        if q & S3_OBJECT_SUBRESOURCES:
            return "other"
        return "get"
    if method == "PUT":
        if not key:
            return "other"  # CreateBucket & bucket configuration
        if q & S3_OBJECT_SUBRESOURCES:
            return "other"
        return "put"  # PutObject, UploadPart, CopyObject
    if method == "DELETE":
        if key and "uploadId" not in q:
            return "delete"
        return "other"
    if method == "POST":
        if bucket and not key and "delete" in q:
            return "delete"  # DeleteObjects
        return "other"
    return "other"


def aws_chunked_decoded_len(body: bytes) -> int | None:
    """Payload length of an aws-chunked body, or None if it does not parse."""
    pos = 0
    total = 0
    n = len(body)
    while True:
        eol = body.find(b"\r\n", pos)
        if eol < 0:
            return None
        line = body[pos:eol].split(b";", 1)[0].strip()
        try:
            size = int(line, 16)
        except ValueError:
            return None
        pos = eol + 2
        if size == 0:
            return total
        if pos + size > n:
            return None
        total += size
        pos += size
        if body[pos:pos + 2] == b"\r\n":
            pos += 2


# --------------------------------------------------------------------------- #
# Shared state
# --------------------------------------------------------------------------- #


class State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.plan: list[dict] = []
        self.log: list[dict] = []
        self._zero()

    def _zero(self) -> None:
        self.ddb_ops: dict[str, dict] = {}
        self.ddb_read = 0.0
        self.ddb_write = 0
        self.ddb_requests = 0
        self.s3 = {
            "put": 0, "get": 0, "list": 0, "head": 0, "delete": 0, "other": 0,
            "errors": 0, "bytes_uploaded": 0, "bytes_downloaded": 0,
        }
        self.faults_injected = 0
        self.upstream_errors = 0

    def snapshot(self) -> dict:
        ddb: dict = {
            "requests": self.ddb_requests,
            "read_units": float(self.ddb_read),
            "write_units": self.ddb_write,
        }
        for op, c in sorted(self.ddb_ops.items()):
            ddb[op] = dict(c)
        return {
            "dynamodb": ddb,
            "s3": dict(self.s3),
            "faults_injected": self.faults_injected,
            "upstream_errors": self.upstream_errors,
        }

    def counters(self) -> dict:
        with self.lock:
            return self.snapshot()

    def reset(self) -> dict:
        with self.lock:
            snap = self.snapshot()
            self._zero()
            return snap

    # -- recording ----------------------------------------------------------

    def record_request(self, service: str, op: str) -> None:
        with self.lock:
            if service == "dynamodb":
                self.ddb_requests += 1
                c = self.ddb_ops.setdefault(
                    op, {"requests": 0, "errors": 0, "read_units": 0.0, "write_units": 0}
                )
                c["requests"] += 1
            else:
                self.s3[op] += 1

    def record_result(self, service: str, op: str, status: int, ru: float = 0.0,
                      wu: int = 0, up: int = 0, down: int = 0) -> None:
        with self.lock:
            if service == "dynamodb":
                c = self.ddb_ops.setdefault(
                    op, {"requests": 0, "errors": 0, "read_units": 0.0, "write_units": 0}
                )
                if status >= 300 or status == 0:
                    c["errors"] += 1
                c["read_units"] += ru
                c["write_units"] += wu
                self.ddb_read += ru
                self.ddb_write += wu
            else:
                if status >= 300 or status == 0:
                    self.s3["errors"] += 1
                self.s3["bytes_uploaded"] += up
                self.s3["bytes_downloaded"] += down

    def record_upstream_error(self) -> None:
        with self.lock:
            self.upstream_errors += 1

    # -- faults -------------------------------------------------------------

    def set_plan(self, rules: list[dict]) -> None:
        with self.lock:
            self.plan = rules
            self.log = []

    def faults_view(self) -> dict:
        with self.lock:
            return {"plan": [dict(r) for r in self.plan], "log": list(self.log)}

    def pick_fault(self, service: str, op: str, method: str, path: str) -> dict | None:
        with self.lock:
            chosen = None
            for idx, rule in enumerate(self.plan):
                if rule["count"] == 0:
                    continue
                if rule["service"] != "any" and rule["service"] != service:
                    continue
                if rule["operation"] != "*" and rule["operation"].lower() != op.lower():
                    continue
                if rule["after"] > 0:
                    rule["after"] -= 1
                    continue
                if rule["count"] > 0:
                    rule["count"] -= 1
                chosen = dict(rule)
                chosen["_index"] = idx
                break
            if chosen is not None:
                self.faults_injected += 1
                if len(self.log) < 100000:
                    self.log.append({
                        "time": time.time(),
                        "service": service,
                        "operation": op,
                        "kind": chosen["kind"],
                        "rule": chosen["_index"],
                        "method": method,
                        "path": path,
                    })
            self.plan = [r for r in self.plan if r["count"] != 0]
            return chosen


def validate_rules(data) -> list[dict]:
    if isinstance(data, dict) and "rules" in data:
        data = data["rules"]
    if not isinstance(data, list):
        raise ValueError("body must be a JSON list of rules")
    out = []
    for i, r in enumerate(data):
        if not isinstance(r, dict):
            raise ValueError(f"rule {i}: not an object")
        service = str(r.get("service", "any")).lower()
        if service not in SERVICES:
            raise ValueError(f"rule {i}: service must be one of {sorted(SERVICES)}")
        kind = r.get("kind")
        if kind not in FAULT_KINDS:
            raise ValueError(f"rule {i}: kind must be one of {sorted(FAULT_KINDS)}")
        operation = r.get("operation", "*")
        if not isinstance(operation, str) or not operation:
            raise ValueError(f"rule {i}: operation must be a non-empty string")
        count = r.get("count", 1)
        after = r.get("after", 0)
        if count is None:
            count = -1
        if not isinstance(count, int) or isinstance(count, bool) or count < -1:
            raise ValueError(f"rule {i}: count must be an integer >= 0 (or -1 = unlimited)")
        if not isinstance(after, int) or isinstance(after, bool) or after < 0:
            raise ValueError(f"rule {i}: after must be an integer >= 0")
        rule = {"service": service, "operation": operation, "kind": kind,
                "count": count, "after": after}
        if kind == "slow":
            delay = r.get("delay_seconds", 5)
            if not isinstance(delay, (int, float)) or isinstance(delay, bool) or delay < 0:
                raise ValueError(f"rule {i}: delay_seconds must be a number >= 0")
            rule["delay_seconds"] = float(delay)
        if count != 0:
            out.append(rule)
    return out


# --------------------------------------------------------------------------- #
# HTTP handling
# --------------------------------------------------------------------------- #


class BadRequest(Exception):
    pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "cycle-proxy"
    timeout = 300  # idle keep-alive connections are dropped after this

    # set on the class by main()
    state: State
    upstream_scheme = "http"
    upstream_host = "127.0.0.1"
    upstream_port = 80
    upstream_base = ""
    upstream_label = ""

    def setup(self) -> None:
        super().setup()
        self._upstream: http.client.HTTPConnection | None = None

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            if self._upstream is not None:
                self._upstream.close()
                self._upstream = None

    def log_message(self, format, *args) -> None:  # noqa: A002
        if VERBOSE:
            sys.stderr.write("proxy: %s - %s\n" % (self.address_string(), format % args))

    def log_request(self, code="-", size="-") -> None:
        pass

    # -- body ----------------------------------------------------------------

    def read_body(self) -> tuple[bytes, bool]:
        """Return (body, was_http_chunked)."""
        te = self.headers.get("Transfer-Encoding", "")
        if te and "chunked" in te.lower():
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                if not line:
                    raise BadRequest("eof in chunked body")
                size_s = line.split(b";", 1)[0].strip()
                try:
                    size = int(size_s, 16)
                except ValueError:
                    raise BadRequest(f"bad chunk size {size_s!r}")
                if size == 0:
                    # trailers until empty line
                    while True:
                        t = self.rfile.readline(65537)
                        if not t or t in (b"\r\n", b"\n"):
                            break
                    break
                data = self.rfile.read(size)
                if len(data) != size:
                    raise BadRequest("eof in chunk")
                chunks.append(data)
                self.rfile.readline(65537)  # CRLF after chunk
            return b"".join(chunks), True
        cl = self.headers.get("Content-Length")
        if cl is not None:
            try:
                n = int(cl.strip())
            except ValueError:
                raise BadRequest("bad Content-Length")
            if n < 0:
                raise BadRequest("bad Content-Length")
            data = self.rfile.read(n) if n else b""
            if len(data) != n:
                raise BadRequest("eof in body")
            return data, False
        return b"", False

    # -- responses -------------------------------------------------------------

    def send_simple(self, status: int, body: bytes, content_type: str,
                    extra: list[tuple[str, str]] | None = None, reason: str | None = None) -> None:
        self.send_response_only(status, reason)
        self.send_header("Date", self.date_time_string())
        self.send_header("Content-Type", content_type)
        for k, v in extra or []:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)
        self.wfile.flush()

    def send_json(self, status: int, obj) -> None:
        self.send_simple(status, json.dumps(obj, indent=1).encode(), "application/json")

    def abort_connection(self) -> None:
        """Close the client socket with RST (SO_LINGER 0), no response."""
        self.close_connection = True
        sock = self.connection
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        try:
            self.rfile.close()  # drop the makefile() reference so close() is real
        except Exception:
            pass
        try:
            sock.close()
        except OSError:
            pass

    # -- dispatch ----------------------------------------------------------------

    def do_any(self) -> None:
        try:
            body, chunked = self.read_body()
        except BadRequest as e:
            self.close_connection = True
            self.send_simple(400, str(e).encode(), "text/plain")
            return
        if self.path.startswith(CONTROL_PREFIX):
            self.control(body)
            return
        self.proxy(body, chunked)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = do_any

    # -- control -----------------------------------------------------------------

    def control(self, body: bytes) -> None:
        path = self.path.split("?", 1)[0]
        st = self.state
        m = self.command
        if path == "/__proxy/counters" and m == "GET":
            self.send_json(200, st.counters())
        elif path == "/__proxy/reset" and m == "POST":
            self.send_json(200, st.reset())
        elif path == "/__proxy/faults" and m == "GET":
            self.send_json(200, st.faults_view())
        elif path == "/__proxy/faults" and m == "POST":
            try:
                rules = validate_rules(json.loads(body or b"[]"))
            except (ValueError, json.JSONDecodeError) as e:
                self.send_json(400, {"error": str(e)})
                return
            st.set_plan(rules)
            self.send_json(200, st.faults_view())
        elif path == "/__proxy/faults" and m == "DELETE":
            st.set_plan([])
            self.send_json(200, st.faults_view())
        elif path == "/__proxy/health" and m == "GET":
            self.send_json(200, {"ok": True, "upstream": self.upstream_label})
        else:
            self.send_json(404, {"error": f"no control endpoint {m} {path}"})

    # -- forwarding --------------------------------------------------------------

    def _new_upstream(self) -> http.client.HTTPConnection:
        cls = http.client.HTTPSConnection if self.upstream_scheme == "https" else http.client.HTTPConnection
        return cls(self.upstream_host, self.upstream_port, timeout=600)

    def _forward_once(self, conn, body: bytes, chunked: bool):
        url = self.upstream_base + self.path
        conn.putrequest(self.command, url, skip_host=True, skip_accept_encoding=True)
        saw_host = False
        saw_cl = False
        for k, v in self.headers.items():
            lk = k.lower()
            if lk in HOP_BY_HOP:
                continue
            if lk == "host":
                saw_host = True
            if lk == "content-length":
                saw_cl = True
                if chunked:
                    continue  # replaced below
            conn.putheader(k, v)
        if not saw_host:
            conn.putheader("Host", f"{self.upstream_host}:{self.upstream_port}")
        if chunked or (not saw_cl and (body or self.command in ("PUT", "POST", "PATCH"))):
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body if body else None)
        resp = conn.getresponse()
        data = resp.read()
        return resp, data

    def forward(self, body: bytes, chunked: bool):
        """Send to upstream; returns (response, data) or None if unreachable."""
        for attempt in range(2):
            if self._upstream is None:
                self._upstream = self._new_upstream()
            conn = self._upstream
            reused = conn.sock is not None
            try:
                return self._forward_once(conn, body, chunked)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                    ConnectionAbortedError) as e:
                conn.close()
                self._upstream = None
                if reused and attempt == 0:
                    vlog(f"stale upstream connection ({e!r}), retrying")
                    continue
                vlog(f"upstream error: {e!r}")
                return None
            except (OSError, http.client.HTTPException) as e:
                conn.close()
                self._upstream = None
                vlog(f"upstream error: {e!r}")
                return None
        return None

    def relay(self, resp, data: bytes) -> None:
        status = resp.status
        no_body = self.command == "HEAD" or status in (204, 304) or 100 <= status < 200
        self.send_response_only(status, resp.reason)
        upstream_cl = None
        for k, v in resp.getheaders():
            lk = k.lower()
            if lk in HOP_BY_HOP:
                continue
            if lk == "content-length":
                upstream_cl = v
                continue
            self.send_header(k, v)
        if no_body:
            if upstream_cl is not None:
                self.send_header("Content-Length", upstream_cl)
        else:
            self.send_header("Content-Length", str(len(data)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if not no_body and data:
            self.wfile.write(data)
        self.wfile.flush()

    def fault_response(self, service: str, kind: str) -> None:
        rid = uuid.uuid4().hex.upper()[:16]
        if service == "dynamodb":
            if kind == "throttle":
                status, etype, msg = 400, "ProvisionedThroughputExceededException", \
                    "Rate of requests exceeds the allowed throughput"
            else:
                status, etype, msg = 500, "InternalServerError", "Internal Server Error"
            body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{etype}",
                               "message": msg}).encode()
            self.send_simple(status, body, "application/x-amz-json-1.0",
                             [("x-amzn-ErrorType", etype), ("x-amzn-RequestId", rid)])
        else:
            if kind == "throttle":
                status, code, msg = 503, "SlowDown", "Please reduce your request rate."
            else:
                status, code, msg = 500, "InternalError", \
                    "We encountered an internal error. Please try again."
            body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
                    f"<Message>{msg}</Message><RequestId>{rid}</RequestId>"
                    f"<HostId>cycle-proxy</HostId></Error>").encode()
            self.send_simple(status, body, "application/xml",
                             [("x-amz-request-id", rid), ("x-amz-id-2", "cycle-proxy")])

    def proxy(self, body: bytes, chunked: bool) -> None:
        t0 = time.monotonic()
        st = self.state
        target = self.headers.get("X-Amz-Target")
        if target:
            service = "dynamodb"
            op = target.rsplit(".", 1)[-1].strip() or target
        else:
            service = "s3"
            op = classify_s3(self.command, self.path)
        st.record_request(service, op)
        fault = st.pick_fault(service, op, self.command, self.path)
        kind = fault["kind"] if fault else None

        if kind in ("throttle", "http500"):
            self.fault_response(service, kind)
            st.record_result(service, op, 503 if kind == "throttle" else 500)
            vlog(f"{self.command} {self.path} {service}:{op} -> injected {kind}")
            return
        if kind == "reset":
            self.abort_connection()
            st.record_result(service, op, 0)
            vlog(f"{self.command} {self.path} {service}:{op} -> injected reset")
            return

        result = self.forward(body, chunked)
        if result is None:
            st.record_upstream_error()
            st.record_result(service, op, 502)
            self.close_connection = True
            self.send_simple(502, b"proxy: upstream unreachable\n", "text/plain")
            return
        resp, data = result

        # accounting
        try:
            if service == "dynamodb":
                req_json = _json(_decode_body(body, self.headers.get("Content-Encoding")))
                resp_json = _json(_decode_body(data, resp.getheader("Content-Encoding")))
                ru, wu = dynamodb_units(op, req_json if isinstance(req_json, dict) else {},
                                        resp.status,
                                        resp_json if isinstance(resp_json, dict) else {})
                st.record_result(service, op, resp.status, ru=ru, wu=wu)
            else:
                up = down = 0
                ok = 200 <= resp.status < 300
                if op == "put" and self.command == "PUT":
                    up = len(body)
                    if "aws-chunked" in (self.headers.get("Content-Encoding") or "").lower() \
                            or (self.headers.get("x-amz-content-sha256") or "").startswith("STREAMING-"):
                        dl = self.headers.get("x-amz-decoded-content-length")
                        decoded = None
                        if dl is not None:
                            try:
                                decoded = int(dl)
                            except ValueError:
                                decoded = None
                        if decoded is None:
                            decoded = aws_chunked_decoded_len(body)
                        if decoded is not None:
                            up = decoded
                if op == "get" and self.command == "GET" and ok:
                    down = len(data)
                st.record_result(service, op, resp.status, up=up, down=down)
        except Exception as e:  # accounting must never break forwarding
            vlog(f"accounting error for {service}:{op}: {e!r}")

        if kind == "reset_after_forward":
            self.abort_connection()
            vlog(f"{self.command} {self.path} {service}:{op} -> {resp.status}, injected reset_after_forward")
            return
        if kind == "slow":
            time.sleep(float(fault.get("delay_seconds", 5)))
        try:
            self.relay(resp, data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            return
        vlog(f"{self.command} {self.path} {service}:{op} -> {resp.status} "
             f"{len(data)}B {1000 * (time.monotonic() - t0):.1f}ms" + (f" ({kind})" if kind else ""))


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address) -> None:
        if VERBOSE:
            super().handle_error(request, client_address)


def main(argv=None) -> int:
    global VERBOSE
    ap = argparse.ArgumentParser(description="counting / fault-injecting proxy for moto")
    ap.add_argument("--upstream", required=True, help="e.g. http://127.0.0.1:5000")
    ap.add_argument("--port", type=int, default=0, help="listen port on 127.0.0.1 (0 = any free)")
    ap.add_argument("--port-file", help="write the chosen port here once listening")
    ap.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = ap.parse_args(argv)
    VERBOSE = args.verbose

    u = urllib.parse.urlsplit(args.upstream)
    if u.scheme not in ("http", "https") or not u.hostname:
        ap.error("--upstream must be http://host:port")
    Handler.upstream_scheme = u.scheme
    Handler.upstream_host = u.hostname
    Handler.upstream_port = u.port or (443 if u.scheme == "https" else 80)
    Handler.upstream_base = u.path.rstrip("/")
    Handler.upstream_label = args.upstream
    Handler.state = State()

    httpd = Server(("127.0.0.1", args.port), Handler)
    port = httpd.server_address[1]

    stop = threading.Event()

    def on_signal(signum, frame) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    t = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    t.start()

    if args.port_file:
        tmp = f"{args.port_file}.tmp.{os.getpid()}"
        with open(tmp, "w") as f:
            f.write(str(port))
        os.replace(tmp, args.port_file)
    print(f"proxy: 127.0.0.1:{port} → {args.upstream}", file=sys.stderr, flush=True)

    while not stop.wait(0.5):
        pass
    httpd.shutdown()
    httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
