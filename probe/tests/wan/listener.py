#!/usr/bin/env python3
"""TCP listeners for the emulated WAN: one per port given, on every address.

Each accepted connection that sends a request gets a minimal HTTP response
(so `curl` completes), and every connection is closed as soon as the peer
has sent its request or closed: the probe only times the handshake and hangs
up at once. Prints `ready` once every port listens; exits when standard input
closes, so a test that dies never leaves it running.
"""

import selectors
import socket
import sys

RESPONSE = b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


def main():
    ports = [int(p) for p in sys.argv[1:]]
    if not ports:
        sys.exit("usage: listener.py PORT...")
    sel = selectors.DefaultSelector()
    for port in ports:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", port))
        s.listen(1024)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, "listen")
    sel.register(sys.stdin.fileno(), selectors.EVENT_READ, "stdin")
    print("ready", flush=True)
    while True:
        for key, _ in sel.select():
            if key.data == "stdin":
                if not sys.stdin.buffer.raw.read(4096):
                    return
            elif key.data == "listen":
                try:
                    conn, _ = key.fileobj.accept()
                except BlockingIOError:
                    continue
                conn.setblocking(False)
                sel.register(conn, selectors.EVENT_READ, "conn")
            else:
                conn = key.fileobj
                try:
                    data = conn.recv(65536)
                    if data:
                        conn.send(RESPONSE)
                except OSError:
                    pass
                sel.unregister(conn)
                conn.close()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
