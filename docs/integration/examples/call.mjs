// A queue system (Node.js 18+, or a browser page of the same origin) calling a ticket
// through pager's HTTP API.
//   PAGER_URL=https://pa-pc:8443 PAGER_TOKEN=5.xxxx node call.mjs A023 c-17

const base = process.env.PAGER_URL;
const token = process.env.PAGER_TOKEN;
const [ticket, id] = process.argv.slice(2);

async function pager(method, path, body) {
  const answer = await fetch(base + path, {
    method,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return [answer.status, await answer.json()];
}

const [status, answer] = await pager("POST", "/api/v1/calls", { ticket, id });
if (status !== 202) {
  console.error(`refused (${status}): ${answer.detail}`); // a problem (RFC 9457)
  process.exit(1);
}
console.log(`accepted: ${answer.id}`);

// What became of it: poll its state (or listen on /api/v1/events).
for (let attempt = 0; attempt < 120; attempt++) {
  const [code, call] = await pager("GET", `/api/v1/calls/${encodeURIComponent(id)}`);
  if (code === 200 && ["finished", "expired", "failed", "cancelled"].includes(call.state)) {
    console.log(call.state);
    process.exit(call.state === "finished" ? 0 : 1);
  }
  await new Promise((resolve) => setTimeout(resolve, 1000));
}
console.error("no end heard in two minutes");
process.exit(1);
