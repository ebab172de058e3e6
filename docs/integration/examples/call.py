"""A queue system calling a ticket through pager's HTTP API, and following it to its end.

    PAGER_URL=https://pa-pc:8443 PAGER_TOKEN=5.xxxx python3 call.py A023 c-17

Standard library only.
"""

import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

BASE, TOKEN = os.environ["PAGER_URL"], os.environ["PAGER_TOKEN"]


def pager(method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    request = urllib.request.Request(BASE + path, data, headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=15) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as refused:  # a problem (RFC 9457): `detail` says why
        return refused.code, json.load(refused)


ticket, ident = sys.argv[1], sys.argv[2]
# The same id again (a retry after a timeout) is the same call: it is played once.
status, answer = pager("POST", "/api/v1/calls", {"ticket": ticket, "id": ident})
if status != 202:
    sys.exit(f"refused ({status}): {answer['detail']}")
print(f"accepted: {answer['id']}")

for _ in range(120):  # what became of it (or listen on /api/v1/events)
    status, call = pager("GET", f"/api/v1/calls/{urllib.parse.quote(ident)}")
    if status == 200 and call["state"] in ("finished", "expired", "failed", "cancelled"):
        print(call["state"])
        sys.exit(0 if call["state"] == "finished" else 1)
    time.sleep(1)
sys.exit("no end heard in two minutes")
