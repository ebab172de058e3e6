// Every other request of pager's HTTP API, in order (Node.js 18+): the next ticket of the
// counter's service, followed on the event stream until it was heard; a pickup said twice,
// then cancelled; the status; and, with the operator desk's token, a message of the library
// and a zone test.
//   PAGER_URL=https://pa-pc:8443 PAGER_TOKEN=5.xxxx PAGER_OPERATOR_TOKEN=operator.xxxx node requests.mjs

const base = process.env.PAGER_URL;
const counter = process.env.PAGER_TOKEN;
const operator = process.env.PAGER_OPERATOR_TOKEN;

async function pager(method, path, token, body) {
  const answer = await fetch(base + path, {
    method,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await answer.json();
  if (answer.status >= 300) {
    console.error(`${method} ${path} refused (${answer.status}): ${data.detail}`); // RFC 9457
    process.exit(1);
  }
  return data;
}

// The event stream (server-sent events: `data: {...}` lines), opened first: no event missed.
const stream = await fetch(`${base}/api/v1/events`, { headers: { Authorization: `Bearer ${counter}` } });
const lines = stream.body.pipeThrough(new TextDecoderStream()).getReader();

// The next ticket of the counter's service (services.NAME.prefix), numbered by pager.
const called = await pager("POST", "/api/v1/calls/next", counter, {});
console.log(`next: ${called.ticket}`);
let buffer = "";
for (let heard = false; !heard; ) {
  const { value, done } = await lines.read();
  if (done) break;
  buffer += value;
  const parts = buffer.split("\n");
  buffer = parts.pop();
  for (const line of parts.filter((l) => l.startsWith("data: "))) {
    const event = JSON.parse(line.slice(6));
    if (event.id === called.id && ["finished", "expired", "failed"].includes(event.event)) {
      console.log(`${event.event}: ${called.ticket}`);
      heard = true;
    }
  }
}
await lines.cancel();

// A document ready, said twice (repeat 1); then the counter's cancel of it.
await pager("POST", "/api/v1/calls", counter, { ticket: "PB-00012345", kind: "pickup", id: "d-881", repeat: 1 });
const cancel = await pager("POST", "/api/v1/cancels", counter, { id: "d-881" });
console.log(`cancelled: ${cancel.id}`);

const status = await pager("GET", "/api/v1/status", counter);
console.log(`status: ${status.node} ${status.state}`);

// The operator desk: a message of the library, and a zone test with a tone.
const announced = await pager("POST", "/api/v1/announcements", operator, { message: "lunch-break" });
console.log(`announced: ${announced.id}`);
const tested = await pager("POST", "/api/v1/tests", operator, { zone: "food-court", tone: true });
console.log(`test: ${tested.id}`);
