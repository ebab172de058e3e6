// The pager status page: one server-sent event stream, rendered as it comes.
"use strict";

const page = { zones: [], messages: [], status: {}, events: [], broker: false, node: "" };
const EVENTS_SHOWN = 20;

const $ = (id) => document.getElementById(id);
// The page's words, in the language of ui.language (the server's catalogue).
const S = JSON.parse(document.getElementById("strings").textContent);
const say = (text, values) => text.replace(/\{(\w+)\}/g, (_, key) => String(values[key] ?? ""));
const eventWord = (name) => S.events[name] || name;
const clock = (ts) => (ts ? new Date(ts * 1000).toLocaleTimeString("en-GB") : "");

function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (cls) node.className = cls;
  return node;
}

function callName(e) {
  if (e.ticket) {
    const what = e.kind === "pickup" ? say(S.document, { ticket: e.ticket }) : e.ticket;
    return e.counter ? say(S.atCounter, { call: what, counter: e.counter }) : what;
  }
  if (e.zone || e.channel) {
    return say(S.test, { what: e.zone || say(S.output, { output: e.channel }) });
  }
  return e.id ? say(S.message, { id: e.id }) : "";
}

function setHealth(id, text, good) {
  const item = $(id);
  item.textContent = text;
  item.className = good ? "good" : "bad";
}

function renderHealth() {
  const s = page.status;
  const online = s.state === "online";
  setHealth("state", online ? S.online : S.offline, online);
  const audio = s.audio === "ok" ? S.audioOk : `${S.audio} ${s.audio || "?"}`;
  setHealth("audio", audio, s.audio === "ok");
  setHealth("broker", page.broker ? S.brokerUp : S.brokerLost, page.broker);
  const xruns = s.xruns || 0;
  setHealth("xruns", say(S.xruns, { n: xruns }), xruns === 0 && !s.callback_errors);
  const failing = s.storage_failing || [];
  const stores = failing.map((f) => `${f.store} ${f.path} (${f.reason})`).join("; ");
  setHealth("storage", failing.length ? say(S.storageFailed, { stores }) : S.storageOk,
    failing.length === 0);
  const unset = s.clock === "unsynchronized";
  setHealth("clock", unset ? S.clockUnset : S.clockOk, !unset);
  const inputs = s.inputs || "off";
  $("inputs").hidden = inputs === "off";
  setHealth("inputs", inputs === "ok" ? S.inputsOk : S.inputsFailed, inputs === "ok");
}

// Rows are kept by key and updated in place, never rebuilt: a button keeps its focus and a
// reader's place survives the next update.
function keyedRows(body, keys, build) {
  const rows = new Map([...body.rows].map((row) => [row.dataset.key, row]));
  keys.forEach((key, index) => {
    let row = rows.get(key);
    if (!row) {
      row = build(key);
      row.dataset.key = key;
    }
    rows.delete(key);
    if (body.rows[index] !== row) body.insertBefore(row, body.rows[index] || null);
  });
  for (const stale of rows.values()) stale.remove();
  return keys.map((_, index) => body.rows[index]);
}

function setCell(cell, text, cls) {
  if (cell.textContent !== text) cell.textContent = text;
  if (cls !== undefined && cell.className !== cls) cell.className = cls;
}

function buildZoneRow(zone) {
  const row = el("tr");
  row.dataset.zone = zone.name;
  const name = el("td", zone.name);
  name.title = say(S.outputs, { zone: zone.description, outputs: zone.channels.join(", ") });
  const test = el("button", S.testButton, "test");
  test.setAttribute("aria-label", say(S.testZone, { zone: zone.name }));
  test.type = "button";
  test.addEventListener("click", () => post("/api/test", { zone: zone.name }));
  const cell = el("td");
  cell.append(test);
  row.append(name, el("td", "", "num waiting"), el("td", "", "playing"), el("td", "", "num"),
             el("td", "", "line"), el("td", "", "noise"), cell);
  return row;
}

function renderZones() {
  const s = page.status;
  const names = {};
  for (const entry of s.recent || []) names[entry.id] = callName(entry);
  const byName = new Map(page.zones.map((zone) => [zone.name, zone]));
  const rows = keyedRows($("zones").tBodies[0], page.zones.map((zone) => zone.name),
                         (name) => buildZoneRow(byName.get(name)));
  page.zones.forEach((zone, index) => {
    const [, waiting, playingCell, wait, line, noise] = rows[index].cells;
    const playing = (s.playing || {})[zone.name];
    const seconds = (s.waits || {})[zone.name];
    setCell(waiting, String((s.queues || {})[zone.name] ?? 0));
    setCell(playingCell, playing ? names[playing] || playing : "–",
            playing ? "playing-now" : "playing");
    const compact = (s.compact || []).includes(zone.name);
    setCell(wait, seconds === undefined ? "–"
      : say(compact ? S.compactSeconds : S.seconds, { n: seconds }));
    const state = (s.lines || {})[zone.name];
    setCell(line, state ? S.lines[state] || state : "–", state ? `line ${state}` : "line");
    const sensed = (s.ambient || {})[zone.name];
    setCell(noise, sensed ? say(S.ambient, { level: sensed.level_db, gain: sensed.gain_db.toFixed(1) })
      : "–", "noise");
  });
}

function renderCalls() {
  const recent = page.status.recent || [];
  // Ids are each counter's own: two counters may use the same one.
  const keys = recent.map((entry) => `${entry.counter ?? ""}/${entry.id}`);
  const rows = keyedRows($("calls").tBodies[0], keys, (key) => {
    const row = el("tr");
    row.dataset.id = key.slice(key.indexOf("/") + 1);
    row.append(el("td"), el("td"), el("td"), el("td"));
    return row;
  });
  recent.forEach((entry, index) => {
    const [when, what, outcome, zones] = rows[index].cells;
    setCell(when, clock(entry.ts));
    setCell(what, callName(entry));
    setCell(outcome, eventWord(entry.event), `what ${entry.event}`);
    setCell(zones, (entry.zones || []).join(", "));
  });
}

function renderEvents() {
  const list = $("events");
  list.replaceChildren();
  for (const e of page.events.slice(-EVENTS_SHOWN).reverse()) {
    const about = [callName(e), e.reason ? `— ${e.reason}` : ""].join(" ").trim();
    const item = el("li");
    item.dataset.event = e.event;
    item.dataset.id = e.id || "";
    item.append(el("time", clock(e.ts)), el("b", eventWord(e.event)), el("span", about));
    list.append(item);
  }
}

function renderTargets() {
  const box = $("targets");
  box.querySelectorAll("label").forEach((l) => l.remove());
  for (const zone of page.zones) {
    const label = el("label");
    const check = el("input");
    check.type = "checkbox";
    check.name = "zones";
    check.value = zone.name;
    check.checked = true;
    label.append(check, ` ${zone.name}`);
    box.append(label);
  }
}

function renderSchedule() {
  const list = $("schedule");
  list.replaceChildren();
  const coming = page.status.schedule || [];
  for (const due of coming) {
    const item = el("li");
    item.dataset.message = due.message;
    // The schedule's own local time ("2026-12-07T08:00+07:00"), not the browser's.
    const [day, time] = due.at.split("T");
    item.append(el("time", `${day} ${time.slice(0, 5)}`), el("b", due.message));
    list.append(item);
  }
  if (!coming.length) list.append(el("li", S.nothingScheduled, "muted"));
}

function render() {
  $("node").textContent = page.node;
  renderHealth();
  renderZones();
  renderCalls();
  renderSchedule();
  renderEvents();
}

async function post(path, body) {
  const response = await fetch(path, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${response.status} ${await response.text()}`);
  return (await response.json()).id;
}

async function announceLibrary(message) {
  const question = say(S.confirm, { name: message.name });
  if (!window.confirm(`${question}\n\n${message.text || S.recording}`)) return;
  const result = $("announce-result");
  try {
    result.dataset.id = await post("/api/announce", { message: message.name });
    result.textContent = `${message.name}: ${S.waiting}`;
  } catch (error) {
    result.textContent = say(S.notSent, { reason: error.message });
  }
}

function renderLibrary() {
  const box = $("library");
  box.replaceChildren();
  for (const message of page.messages) {
    const button = el("button", message.name, "message");
    button.type = "button";
    button.dataset.message = message.name;
    button.title = message.text || S.recording;
    button.addEventListener("click", () => announceLibrary(message));
    box.append(button);
  }
}

$("announce").addEventListener("submit", async (event) => {
  event.preventDefault();
  const zones = [...document.querySelectorAll("#targets input:checked")].map((c) => c.value);
  const result = $("announce-result");
  try {
    const id = await post("/api/announce", { text: $("text").value, zones });
    result.dataset.id = id;
    result.textContent = S.waiting;
  } catch (error) {
    result.textContent = say(S.notSent, { reason: error.message });
  }
});

function followAnnouncement(e) {
  const result = $("announce-result");
  if (!e.id || e.id !== result.dataset.id) return;
  const words = S.progress;
  if (words[e.event]) result.textContent = say(words[e.event], { reason: e.reason || "" });
}

function connect() {
  const stream = new EventSource("/api/stream");
  stream.addEventListener("state", (m) => {
    const state = JSON.parse(m.data);
    Object.assign(page, { zones: state.zones, status: state.status, events: state.events,
                          broker: state.broker.connected, node: state.node,
                          messages: state.messages || [] });
    renderTargets();
    renderLibrary();
    render();
  });
  stream.addEventListener("status", (m) => { page.status = JSON.parse(m.data); render(); });
  stream.addEventListener("broker", (m) => { page.broker = JSON.parse(m.data).connected; renderHealth(); });
  stream.addEventListener("event", (m) => {
    const e = JSON.parse(m.data);
    page.events.push(e);
    page.events = page.events.slice(-50);
    followAnnouncement(e);
    renderEvents();
  });
  stream.onerror = () => setHealth("state", S.reconnecting, false);
}

connect();
