# tests/e2e/admin_api/api_client.py - a small admin API client and the PASS/FAIL
# checks for the admin API end-to-end test (Python standard library only).
#
# Every request goes to 127.0.0.1 with a 10 s timeout. A response is
# (status, headers, body bytes, parsed JSON or None). Checks print one line,
# "PASS what" or "FAIL what (why)", the lib.sh format the shell test counts.
import http.client
import json
import socket

TIMEOUT = 10


class response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = {k.lower(): v for k, v in headers}
        self.body = body
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    def __repr__(self):
        text = self.body[:300].decode("utf-8", "replace")
        return f"{self.status} {text!r}"


class api:
    """Requests to one admin listener; `token` goes in the Authorization header."""

    def __init__(self, port, token=None, host="127.0.0.1"):
        self.port, self.token, self.host = port, token, host

    def call(self, method, path, body=None, content_type="application/json", headers=None, host_header=None):
        h = dict(headers or {})
        if self.token and "Authorization" not in h:
            h["Authorization"] = "Bearer " + self.token
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            if content_type:
                h["Content-Type"] = content_type
        conn = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT)
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            conn.putheader("Host", host_header or f"127.0.0.1:{self.port}")
            for k, v in h.items():
                conn.putheader(k, v)
            if data is not None or method in ("POST", "PUT"):
                conn.putheader("Content-Length", str(len(data or b"")))
            conn.endheaders(data)
            r = conn.getresponse()
            return response(r.status, r.getheaders(), r.read())
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def oversized(self, method, path, size):
        """Announces a `size`-byte JSON body and reads the answer before
        sending it: a server that refuses on the length alone answers at once,
        and no unread bytes make its close a reset that loses the answer."""
        with socket.create_connection((self.host, self.port), timeout=TIMEOUT) as s:
            auth = f"Authorization: Bearer {self.token}\r\n" if self.token else ""
            s.sendall((f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n{auth}"
                       f"Content-Type: application/json\r\nContent-Length: {size}\r\n\r\n").encode())
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            head, _, rest = data.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split()[1]) if lines and len(lines[0].split()) > 1 else 0
            headers = [tuple(x.split(": ", 1)) for x in lines[1:] if ": " in x]
            return response(status, headers, rest)


class checks:
    """Counts and prints PASS/FAIL lines."""

    ABSENT = object()  # error(): the answer must have no "field" key

    def __init__(self):
        self.failures = 0
        self.count = 0

    def ok(self, condition, what, why=""):
        self.count += 1
        if condition:
            print(f"PASS {what}", flush=True)
        else:
            self.failures += 1
            print(f"FAIL {what}" + (f" ({why})" if why else ""), flush=True)
        return condition

    def status(self, r, expected, what):
        return self.ok(r.status == expected, what, f"expected {expected}, got {r!r}")

    def error(self, r, expected, field, what):
        """An error answer: the status, {"error": text} and `field` (None: any
        or none, checks.ABSENT: none)."""
        j = r.json if isinstance(r.json, dict) else {}
        good = r.status == expected and isinstance(j.get("error"), str) and bool(j.get("error"))
        if field is checks.ABSENT:
            good = good and "field" not in j
        elif field is not None:
            good = good and j.get("field") == field
        return self.ok(good, what, f"expected {expected} with field {field if isinstance(field, str) else '-'}, got {r!r}")
