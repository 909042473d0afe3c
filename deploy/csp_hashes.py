#!/usr/bin/env python3
"""Prints the CSP hashes of the inline scripts of a built index.html.

    python3 deploy/csp_hashes.py dist/index.html   # -> sha256-AbC...=,sha256-...

trunk writes the module script that loads the wasm inline, so the site's
Content-Security-Policy names it by hash (`script-src 'sha256-…'`) instead of
allowing 'unsafe-inline'. The output is the value of the central stack's
SiteScriptHashes parameter (comma separated, without quotes).

It fails, saying why, on what the policy will not allow whatever the hashes:
inline <style> elements (style-src is 'self') and inline event handlers
(onclick=…). Inline style attributes are allowed (style-src-attr).
"""

import base64
import hashlib
import sys
from html.parser import HTMLParser


class _Inline(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.scripts: list[str] = []
        self.problems: list[str] = []
        self._in: str | None = None
        self._buf: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = {k for k, _ in attrs}
        for k in names:
            if k.startswith("on"):
                self.problems.append(f"<{tag} {k}=…>: inline event handlers are blocked by the CSP")
        if tag == "script" and "src" not in names:
            self._in, self._buf = "script", []
        elif tag == "style":
            self.problems.append("<style> element: style-src 'self' blocks inline style sheets")

    def handle_data(self, data):
        if self._in:
            self._buf.append(data)

    def handle_endtag(self, tag):
        if self._in == tag:
            self.scripts.append("".join(self._buf))
            self._in = None


def hashes(html: str) -> list[str]:
    """The `sha256-<base64>` sources of the inline scripts, in document order."""
    p = _Inline()
    p.feed(html)
    p.close()
    if p.problems:
        raise ValueError("; ".join(p.problems))
    out = []
    for body in p.scripts:
        # Browsers hash the element's text as UTF-8, after turning CRLF into LF.
        digest = hashlib.sha256(body.replace("\r\n", "\n").encode()).digest()
        h = "sha256-" + base64.b64encode(digest).decode()
        if h not in out:
            out.append(h)
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: csp_hashes.py INDEX_HTML", file=sys.stderr)
        return 2
    try:
        with open(argv[1], encoding="utf-8") as f:
            found = hashes(f.read())
    except (OSError, ValueError) as e:
        print(f"csp_hashes: {argv[1]}: {e}", file=sys.stderr)
        return 1
    if not found:
        print(f"csp_hashes: {argv[1]} has no inline script; expected trunk's loader", file=sys.stderr)
        return 1
    print(",".join(found))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
