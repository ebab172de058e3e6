// A public screen: one server-sent event stream of what its speakers say, rendered as it
// comes; it reconnects by itself, forever, and says so when the daemon is out of reach.
"use strict";

const setup = JSON.parse(document.getElementById("setup").textContent);
const T = setup.strings;
const OFFLINE_AFTER_MS = 10000;
const $ = (id) => document.getElementById(id);
let lastContact = Date.now();
let serverOffset = 0; // the daemon's clock minus this browser's
let stream = null;
let retry = 1000;
let shownId; // undefined until the first render
let connectedAt = 0;

const timeFormat = new Intl.DateTimeFormat(setup.language, {
  hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: setup.timezone,
});

function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (cls) node.className = cls;
  return node;
}

function label(call) {
  if (call.final) return T.final;
  if (call.play === 2) return T.repeat2;
  if (call.play === 3) return T.repeat3;
  if (call.play > 3) return T.repeat.replace("{n}", call.play);
  if (call.kind === "pickup") return T.pickup;
  return "";
}

function counterText(call) {
  return call.counter ? `${T.counter} ${call.counter}` : "";
}

function renderCurrent(call) {
  const box = $("call");
  const ticket = $("ticket");
  const key = call ? `${call.id}/${call.play || 1}` : null;
  if (key === shownId) return;
  shownId = key;
  $("label").textContent = call ? label(call) : T.nothing;
  ticket.textContent = call ? call.ticket : "";
  ticket.style.setProperty("--chars", String(Math.max(4, call ? call.ticket.length : 4)));
  fit();
  $("counter").textContent = call ? counterText(call) : "";
  $("name").textContent = (call && call.name) || "";
  box.dataset.id = call ? call.id : "";
  box.dataset.shownAt = String(Date.now());
  box.classList.remove("fresh");
  if (call) {
    void box.offsetWidth; // restart the animation
    box.classList.add("fresh");
  }
}

// A long receipt number shrinks until it fits its column; a ticket keeps the size the style
// gives it.
function fit() {
  const ticket = $("ticket");
  ticket.style.fontSize = "";
  for (let tries = 0; tries < 4 && ticket.scrollWidth > ticket.clientWidth; tries++) {
    const size = parseFloat(getComputedStyle(ticket).fontSize);
    ticket.style.fontSize = `${Math.floor((size * ticket.clientWidth) / ticket.scrollWidth) - 1}px`;
  }
}

function renderRecent(calls) {
  const list = $("recent");
  list.replaceChildren();
  for (const call of calls.slice(0, setup.rows)) {
    const item = el("li");
    item.dataset.id = call.id;
    const ticket = el("span", call.ticket);
    const what = label(call);
    if (what) ticket.append(el("span", what, "what"));
    item.append(ticket, el("span", counterText(call), "where"));
    list.append(item);
  }
}

function renderMessage(message) {
  const bar = $("message");
  const text = bar.firstElementChild;
  if (!message) {
    bar.hidden = true;
    text.textContent = "";
    return;
  }
  if (text.textContent !== message.text) {
    text.textContent = message.text;
    text.style.setProperty("--duration", `${Math.max(10, message.text.length / 4)}s`);
  }
  bar.dataset.id = message.id || "";
  bar.hidden = false;
}

function tick() {
  const offline = Date.now() - lastContact > OFFLINE_AFTER_MS;
  const notice = $("offline");
  if (notice.hidden === offline) {
    notice.hidden = !offline;
    notice.dataset.lastContact = String(lastContact); // what it says is measured from
    notice.dataset.changedAt = String(Date.now());
  }
  if (offline && Date.now() - connectedAt > 5000) connect(); // it went quiet: try afresh
  $("clock").textContent = timeFormat.format(new Date(Date.now() + serverOffset));
}

function heard(now) {
  lastContact = Date.now();
  retry = 1000;
  if (typeof now === "number") serverOffset = now * 1000 - Date.now();
  tick();
}

function connect() {
  if (stream) stream.close();
  connectedAt = Date.now();
  stream = new EventSource(setup.stream);
  stream.addEventListener("display", (m) => {
    const state = JSON.parse(m.data);
    renderCurrent(state.current);
    renderRecent(state.recent);
    renderMessage(state.message);
    heard(state.now);
  });
  stream.addEventListener("ping", (m) => heard(JSON.parse(m.data).now));
  stream.onerror = () => {
    // EventSource gives up on some failures (a 502 from a proxy): always start again.
    stream.close();
    stream = null;
    setTimeout(connect, retry);
    retry = Math.min(retry * 2, 5000);
  };
}

renderCurrent(null);
new ResizeObserver(fit).observe($("now"));
connect();
setInterval(tick, 500);
