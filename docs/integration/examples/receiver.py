"""A gateway receiving pager's webhook events, checking their signature first.

    PAGER_SECRET=... PORT=9000 python3 receiver.py

Each event that is signed right is appended to events.jsonl (PAGER_EVENTS_FILE), where the
gateway would send its WhatsApp or SMS message instead. Standard library only.
"""

import hashlib
import hmac
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

SECRET = os.environ["PAGER_SECRET"].encode()
EVENTS = os.environ.get("PAGER_EVENTS_FILE", "events.jsonl")


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        expected = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(self.headers.get("X-Pager-Signature", ""), expected):
            self.send_response(401)  # not from pager: ignore it
            self.end_headers()
            return
        event = json.loads(body)
        if event["event"] == "started":
            text = f"Nomor {event['ticket']} sedang dipanggil di loket {event['counter']}"
            # send_whatsapp(phone_of[event["id"]], text)  (the gateway's own part)
        with open(EVENTS, "a") as out:
            out.write(json.dumps(event) + "\n")
        self.send_response(204)
        self.end_headers()


server = HTTPServer(("0.0.0.0", int(os.environ.get("PORT", "9000"))), Receiver)
print("started", file=sys.stderr, flush=True)
server.serve_forever()
