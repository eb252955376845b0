#!/usr/bin/env python3
# tests/e2e/admin_api/admin_token.py - the admin token, against a running server whose
# config sets `[admin] token = TOKEN`: 401 (with WWW-Authenticate: Bearer)
# without it or with a wrong one, on the API, /metrics, /api/events and writes;
# accepted as a Bearer header and as ?token=; /healthz, /readyz and the
# dashboard's files need none; with a token the Host header is not checked.
# Usage: admin_token.py ADMIN_PORT TOKEN. PASS/FAIL lines; exit 0 when all pass.
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from api_client import api, checks  # noqa: E402


def main():
    port, token = int(sys.argv[1]), sys.argv[2]
    anonymous, wrong, right = api(port), api(port, token="x" + token[1:]), api(port, token=token)
    c = checks()

    for who, client in (("without a token", anonymous), ("with a wrong token", wrong)):
        for method, path in (("GET", "/api/networks"), ("GET", "/api/server"), ("GET", "/metrics"),
                             ("GET", "/api/networks/lab/policy"), ("GET", "/api/events"),
                             ("GET", "/api/networks/lab/capture?limit=1"), ("DELETE", "/api/networks/lab/ports/1")):
            r = client.call(method, path)
            c.ok(r.status == 401 and r.headers.get("www-authenticate", "").startswith("Bearer"),
                 f"{method} {path} {who} -> 401, WWW-Authenticate: Bearer", repr(r))
        r = client.call("POST", "/api/networks", body={"name": "sneaky"})
        c.status(r, 401, f"POST /api/networks {who} -> 401")
    r = anonymous.get("/api/networks", headers={"Authorization": "Basic " + token})
    c.status(r, 401, "the token in a Basic header -> 401")
    r = anonymous.get(f"/api/networks?token={token}x")
    c.status(r, 401, "?token= with a wrong token -> 401")

    r = right.get("/api/networks")
    c.ok(r.status == 200 and [n["name"] for n in r.json["networks"]] == ["lab"],
         "Authorization: Bearer TOKEN -> 200, and the refused POSTs created nothing", repr(r))
    r = anonymous.get(f"/api/networks?token={token}")
    c.status(r, 200, "?token=TOKEN -> 200")
    r = right.get("/api/server")
    c.ok(r.status == 200 and r.json.get("admin", {}).get("token_required") in (True, None),
         "GET /api/server with the token -> 200", repr(r))
    r = right.get("/metrics")
    c.status(r, 200, "GET /metrics with the token -> 200")
    r = right.get("/api/networks", host_header="switchyard.example:8087")
    c.status(r, 200, "with a token set, any Host header is accepted")
    r = right.call("POST", "/api/networks", body={"name": "withtoken", "subnet": "10.9.0.0/24"})
    c.status(r, 201, "POST /api/networks with the token -> 201")
    c.status(right.call("DELETE", "/api/networks/withtoken"), 204, "DELETE it with the token -> 204")

    for path in ("/healthz", "/readyz"):
        c.status(anonymous.get(path), 200, f"GET {path} needs no token")
    r = anonymous.get("/")
    c.ok(r.status in (200, 404) and r.status != 401, "the dashboard's files need no token (200, or 404 if none built)",
         repr(r)[:200])

    print(f"token: {c.count - c.failures} of {c.count} passed", flush=True)
    return 1 if c.failures else 0


if __name__ == "__main__":
    sys.exit(main())
