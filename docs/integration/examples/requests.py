"""Every other request of pager's HTTP API, in order: the next ticket of the counter's
service, followed on the event stream until it was heard; a pickup said twice, then
cancelled; the status; and, with the operator desk's token, a message of the library and a
zone test.

    PAGER_URL=https://pa-pc:8443 PAGER_TOKEN=5.xxxx PAGER_OPERATOR_TOKEN=operator.xxxx \\
        python3 requests.py

Standard library only.
"""

import json
import os
import sys
import urllib.error
import urllib.request

BASE = os.environ["PAGER_URL"]
COUNTER, OPERATOR = os.environ["PAGER_TOKEN"], os.environ["PAGER_OPERATOR_TOKEN"]


def pager(method: str, path: str, token: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    request = urllib.request.Request(BASE + path, data, headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=15) as answer:
            return json.load(answer)
    except urllib.error.HTTPError as refused:  # a problem (RFC 9457): `detail` says why
        sys.exit(f"{method} {path} refused ({refused.code}): {json.load(refused)['detail']}")


# The next ticket of the counter's service (services.NAME.prefix), numbered by pager; the
# event stream (server-sent events: `data: {...}` lines) opened first, so no event is missed.
listen = urllib.request.Request(f"{BASE}/api/v1/events",
                                headers={"Authorization": f"Bearer {COUNTER}"})
stream = urllib.request.urlopen(listen, timeout=120)
called = pager("POST", "/api/v1/calls/next", COUNTER, {})
print(f"next: {called['ticket']}")
for line in stream:  # its events: queued, started, finished (or expired, failed...)
    event = json.loads(line[6:]) if line.startswith(b"data: ") else {}
    if event.get("id") == called["id"] and event["event"] in ("finished", "expired", "failed"):
        print(f"{event['event']}: {called['ticket']}")
        break
stream.close()

# A document ready, said twice (repeat 1); then the counter's cancel of it.
pager("POST", "/api/v1/calls", COUNTER,
      {"ticket": "PB-00012345", "kind": "pickup", "id": "d-881", "repeat": 1})
cancel = pager("POST", "/api/v1/cancels", COUNTER, {"id": "d-881"})
print(f"cancelled: {cancel['id']}")

status = pager("GET", "/api/v1/status", COUNTER)
print(f"status: {status['node']} {status['state']}")

# The operator desk: a message of the library, and a zone test with a tone.
announced = pager("POST", "/api/v1/announcements", OPERATOR, {"message": "lunch-break"})
print(f"announced: {announced['id']}")
tested = pager("POST", "/api/v1/tests", OPERATOR, {"zone": "food-court", "tone": True})
print(f"test: {tested['id']}")
