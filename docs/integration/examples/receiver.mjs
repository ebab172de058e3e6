// A gateway receiving pager's webhook events, checking their signature first (Node.js).
//   PAGER_SECRET=... PORT=9000 node receiver.mjs
// Each event that is signed right is appended to events.jsonl (PAGER_EVENTS_FILE), where the
// gateway would send its WhatsApp or SMS message instead.

import { createHmac, timingSafeEqual } from "node:crypto";
import { appendFileSync } from "node:fs";
import { createServer } from "node:http";

const secret = process.env.PAGER_SECRET;
const events = process.env.PAGER_EVENTS_FILE || "events.jsonl";

createServer((request, response) => {
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", () => {
    const body = Buffer.concat(chunks);
    const expected = Buffer.from("sha256=" + createHmac("sha256", secret).update(body).digest("hex"));
    const given = Buffer.from(request.headers["x-pager-signature"] || "");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      response.writeHead(401).end(); // not from pager: ignore it
      return;
    }
    const event = JSON.parse(body);
    if (event.event === "started") {
      const text = `Nomor ${event.ticket} sedang dipanggil di loket ${event.counter}`;
      // sendWhatsapp(phoneOf[event.id], text);  (the gateway's own part)
    }
    appendFileSync(events, JSON.stringify(event) + "\n");
    response.writeHead(204).end();
  });
}).listen(Number(process.env.PORT || 9000), () => console.error("started"));
