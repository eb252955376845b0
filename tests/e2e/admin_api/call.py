#!/usr/bin/env python3
# tests/e2e/admin_api/call.py - one admin API request from the shell test, as a
# check: call.py PORT METHOD PATH [--body JSON] [--token T] [--expect STATUS]
# [--check PYTHON-EXPR] [--print PYTHON-EXPR]. Exit 0 when the status is
# STATUS (default: any 2xx) and EXPR (with `j` the JSON answer, `s` the status)
# is true; the response is printed either way, for the check's log. --print
# writes EXPR's value alone (for the shell to capture) instead.
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from api_client import api  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("port", type=int)
    p.add_argument("method")
    p.add_argument("path")
    p.add_argument("--body")
    p.add_argument("--token")
    p.add_argument("--expect", type=int)
    p.add_argument("--check")
    p.add_argument("--print", dest="show")
    o = p.parse_args()
    r = api(o.port, token=o.token).call(o.method, o.path, body=json.loads(o.body) if o.body is not None else None)
    j, s = r.json, r.status
    if o.show:
        try:
            print(eval(o.show))  # noqa: S307 - test-local expressions
        except Exception as e:  # noqa: BLE001
            print(f"cannot evaluate {o.show}: {e}; got {r!r}", file=sys.stderr)
            return 1
        return 0 if 200 <= s < 300 else 1
    print(f"{o.method} {o.path} -> {s} {r.body.decode('utf-8', 'replace')}")
    good = s == o.expect if o.expect is not None else 200 <= s < 300
    if good and o.check:
        try:
            good = bool(eval(o.check))  # noqa: S307
        except Exception as e:  # noqa: BLE001
            print(f"check {o.check} raised {type(e).__name__}: {e}")
            good = False
        if not good:
            print(f"check failed: {o.check}")
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
