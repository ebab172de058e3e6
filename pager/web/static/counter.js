// The caller page: a counter's token (kept in this browser) and the HTTP API, nothing else.
'use strict';
const S = JSON.parse(document.getElementById('strings').textContent);
const TOKEN = 'pager.counter.token';
const LAST = 'pager.counter.last';
const REFRESH_MS = 3000;
const $ = (id) => document.getElementById(id);
const fill = (text, values) => text.replace(/\{(\w+)\}/g, (all, key) => (key in values ? String(values[key]) : all));

let token = localStorage.getItem(TOKEN);
let me = null;
let current = JSON.parse(localStorage.getItem(LAST) || 'null'); // {id, ticket, kind, final}
const seen = new Map(); // call id -> its last event (an event may come before the POST's answer)
let stream = null;
let timer = null;

async function request(method, path, body) {
  const headers = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(`/api/v1${path}`, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store',
  });
  let data = null;
  try { data = await response.json(); } catch (error) { /* no body */ }
  if (response.status === 401) {
    logout(S.badToken);
    throw new Error('unauthorized');
  }
  return { status: response.status, body: data };
}

function logout(reason) {
  localStorage.removeItem(TOKEN);
  localStorage.removeItem(LAST);
  token = null; me = null; current = null;
  if (stream) stream.abort();
  clearInterval(timer);
  $('caller').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = reason || '';
  $('token').value = '';
  $('token').focus();
}

async function start() {
  if (!token) { logout(''); return; }
  let answer;
  try {
    answer = await request('GET', '/counter');
  } catch (error) {
    if (token) { $('note').textContent = S.offline; setTimeout(start, REFRESH_MS); }
    return;
  }
  if (answer.status === 403) { logout(S.operatorToken); return; }
  if (answer.status !== 200) { $('note').textContent = fill(S.notSent, { reason: answer.status }); return; }
  $('login').hidden = true;
  $('caller').hidden = false;
  showCounter(answer.body);
  showCurrent();
  follow();
  clearInterval(timer);
  timer = setInterval(refresh, REFRESH_MS);
  refresh();
}

function showCounter(counter) {
  me = counter;
  $('who').textContent = `${fill(S.counter, { counter: counter.counter })} · ${counter.service || S.noService}`;
  $('zones').textContent = counter.zones.join(', ');
  $('next-ticket').textContent = counter.next_ticket ? fill(S.next, { ticket: counter.next_ticket })
    : fill(S.notNumbered, { service: counter.service || '?' });
  $('next').disabled = !counter.next_ticket;
  $('last').textContent = counter.last_ticket ? fill(S.lastCalled, { ticket: counter.last_ticket }) : '';
}

function showCurrent() {
  const has = Boolean(current);
  $('ticket').textContent = has ? current.ticket : '–';
  for (const id of ['repeat', 'final', 'cancel']) $(id).disabled = !has;
  if (!has) { $('progress').textContent = S.nothingYet; $('progress').className = ''; return; }
  const event = seen.get(current.id);
  if (event) showProgress(event);
}

function showProgress(event) {
  const words = S.progress[event.event];
  if (!words) return;
  $('progress').textContent = fill(words, { reason: event.reason || '' });
  const bad = ['rejected', 'failed', 'preempted', 'cancelled', 'expired'].includes(event.event);
  $('progress').className = bad ? 'bad' : event.event;
}

async function refresh() {
  if (!token) return;
  try {
    const [counter, status] = await Promise.all([request('GET', '/counter'), request('GET', '/status')]);
    if (counter.status === 200) showCounter(counter.body);
    if (status.status === 200) showWaits(status.body);
    if ($('note').textContent === S.offline) $('note').textContent = '';
  } catch (error) {
    if (token) $('note').textContent = S.offline;
  }
}

function showWaits(status) {
  const waits = status.waits || {};
  const compact = new Set(status.compact || []);
  const list = $('waits');
  list.replaceChildren();
  for (const zone of me.zones) {
    if (!(zone in waits)) continue;
    const item = document.createElement('li');
    const name = document.createElement('span');
    name.textContent = zone;
    const seconds = document.createElement('span');
    seconds.textContent = fill(compact.has(zone) ? S.compactSeconds : S.seconds, { n: Math.round(waits[zone]) });
    item.append(name, seconds);
    list.append(item);
  }
}

// The counter's own events, as server-sent events read through fetch (EventSource cannot
// send the token); reconnects by itself.
async function follow() {
  while (token) {
    stream = new AbortController();
    try {
      const response = await fetch('/api/v1/events', {
        headers: { Authorization: `Bearer ${token}` }, signal: stream.signal, cache: 'no-store',
      });
      if (response.status === 401) { logout(S.badToken); return; }
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split('\n').filter((line) => line.startsWith('data: ')).map((line) => line.slice(6)).join('\n');
          if (data) take(JSON.parse(data));
        }
      }
    } catch (error) {
      if (!token) return;
    }
    await new Promise((resolve) => setTimeout(resolve, REFRESH_MS));
  }
}

function take(event) {
  if (!event.id) return;
  seen.set(event.id, event);
  if (seen.size > 200) seen.delete(seen.keys().next().value);
  if (current && event.id === current.id) showProgress(event);
}

async function call(path, body, what) {
  $('note').textContent = '';
  $('progress').textContent = S.sending;
  $('progress').className = '';
  let answer;
  try {
    answer = await request('POST', path, body);
  } catch (error) {
    if (token) $('note').textContent = S.offline;
    return null;
  }
  if (answer.status !== 202) {
    const reason = (answer.body && answer.body.detail) || answer.status;
    $('note').textContent = fill(S.notSent, { reason });
    showCurrent();
    return null;
  }
  if (what) {
    current = { ...what, id: answer.body.id, ticket: answer.body.ticket || what.ticket };
    localStorage.setItem(LAST, JSON.stringify(current));
  }
  showCurrent();
  refresh();
  return answer;
}

const actions = {
  next: () => call('/calls/next', {}, { kind: 'call', final: false }),
  repeat: () => current && call('/calls', { ticket: current.ticket, kind: current.kind }, { ...current, final: false }),
  final: () => current && call('/calls', { ticket: current.ticket, kind: current.kind, final: true }, { ...current, final: true }),
  pickup: () => {
    const ticket = $('number').value.trim() || (current && current.ticket);
    if (!ticket) { $('note').textContent = S.noTicket; $('number').focus(); return null; }
    $('number').value = '';
    return call('/calls', { ticket, kind: 'pickup' }, { ticket, kind: 'pickup', final: false });
  },
  cancel: () => current && call('/cancels', { id: current.id }, null),
};
const KEYS = { b: 'next', u: 'repeat', t: 'final', d: 'pickup', x: 'cancel' };

for (const [id, action] of Object.entries(actions)) $(id).addEventListener('click', action);
$('any').addEventListener('submit', (event) => {
  event.preventDefault();
  const ticket = $('number').value.trim().toUpperCase();
  if (!ticket) { $('note').textContent = S.noTicket; return; }
  $('number').value = '';
  call('/calls', { ticket }, { ticket, kind: 'call', final: false });
});
document.addEventListener('keydown', (event) => {
  const typing = ['INPUT', 'TEXTAREA'].includes(document.activeElement.tagName);
  if (typing && event.key === 'Escape') { document.activeElement.blur(); return; }
  if (typing || event.ctrlKey || event.altKey || event.metaKey || $('caller').hidden) return;
  const action = KEYS[event.key.toLowerCase()];
  if (action && !$(action).disabled) { event.preventDefault(); actions[action](); }
});
$('logout').addEventListener('click', () => logout(''));
$('login-form').addEventListener('submit', (event) => {
  event.preventDefault();
  token = $('token').value.trim();
  localStorage.setItem(TOKEN, token);
  start();
});
start();
