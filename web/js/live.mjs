// The live queue: the cases of the caller's territories, kept current by the server-sent
// event stream (GET /api/stream).
//
// Order of start-up: the stream is opened first and the snapshot (GET /api/queue) read
// once it is connected, so that no change falls between the two. Every case carries its
// updated_at: a change older than what is known is ignored, whichever way it came.
// EventSource reconnects by itself and sends Last-Event-ID, and the server resends what was
// missed; when the connection is refused (the server was down, the token expired) a new
// EventSource is opened with ?last_event_id= so that nothing is lost either.

import { get, serverNow, token } from './api.mjs';

const KINDS = ['case.created', 'case.updated', 'case.escalated', 'case.closed'];

const cases = new Map();     // id -> CASE, open or claimed
const closed = new Map();    // id -> updated_at (ms) of its closing, to ignore older news
const listeners = new Set();
const stateListeners = new Set();
let source = null;
let lastEventId = null;
let retryMs = 1000;
let retryTimer = null;
let connection = 'off';      // off | connecting | live | retrying
let snapshotLoaded = false;

const time = (iso) => Date.parse(iso);

export function onChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function onConnection(fn) {
  stateListeners.add(fn);
  fn(connection);
  return () => stateListeners.delete(fn);
}

function setConnection(next) {
  connection = next;
  for (const fn of stateListeners) fn(next);
}

function emit(change) {
  for (const fn of listeners) fn(change);
}

// Queue order (as the server's): escalated first, then category, then deadline.
export function compareCases(a, b) {
  if (a.escalated !== b.escalated) return a.escalated ? -1 : 1;
  if (a.category !== b.category) return a.category - b.category;
  return time(a.deadline) - time(b.deadline);
}

export function queue() {
  return [...cases.values()].sort(compareCases);
}

export function knownCase(id) {
  return cases.get(Number(id)) || null;
}

export function isLoaded() {
  return snapshotLoaded;
}

// Takes a case from any source (stream, snapshot, an action's answer). `kind` is the stream
// event name, 'snapshot' or 'answer'. Returns true when it changed what the console shows.
export function applyCase(kind, c) {
  const previous = cases.get(c.id) || null;
  if (previous && time(c.updated_at) < time(previous.updated_at)) return false;
  if (closed.has(c.id) && time(c.updated_at) <= closed.get(c.id)) return false;
  if (c.state === 'closed') {
    cases.delete(c.id);
    closed.set(c.id, time(c.updated_at));
  } else {
    cases.set(c.id, c);
    closed.delete(c.id);
  }
  emit({ kind, case: c, previous });
  return true;
}

async function loadSnapshot() {
  const asked = serverNow();
  const answer = await get('api/queue');
  const present = new Set();
  for (const c of answer.cases) {
    present.add(c.id);
    applyCase('snapshot', c);
  }
  // gone while we were away (closed, or moved out of reach) and not touched since we asked
  for (const c of [...cases.values()]) {
    if (!present.has(c.id) && time(c.updated_at) < asked - 1000) {
      cases.delete(c.id);
      emit({ kind: 'snapshot.removed', case: c, previous: c });
    }
  }
  snapshotLoaded = true;
  emit({ kind: 'snapshot.done' });
}

function connect() {
  clearTimeout(retryTimer);
  const t = token();
  if (!t) return;
  const query = new URLSearchParams({ access_token: t });
  if (lastEventId) query.set('last_event_id', lastEventId);
  setConnection(connection === 'retrying' ? 'retrying' : 'connecting');
  const es = new EventSource(`api/stream?${query}`);
  source = es;
  es.onopen = () => {
    retryMs = 1000;
    setConnection('live');
    if (!snapshotLoaded || !lastEventId) {
      loadSnapshot().catch(() => setConnection('retrying'));
    }
  };
  for (const kind of KINDS) {
    es.addEventListener(kind, (event) => {
      if (event.lastEventId) lastEventId = event.lastEventId;
      let c;
      try { c = JSON.parse(event.data); } catch (_) { return; }
      applyCase(kind, c);
    });
  }
  es.onerror = () => {
    if (source !== es) return;
    setConnection('retrying');
    if (es.readyState === EventSource.CLOSED) {
      // refused (an HTTP error): EventSource gives up, so we try again ourselves
      es.close();
      source = null;
      retryTimer = setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 30000);
      get('api/me').catch(() => {}); // a 401 here ends the session (api.mjs)
    }
  };
}

export function start() {
  if (source) return;
  connect();
}

export function stop() {
  clearTimeout(retryTimer);
  if (source) source.close();
  source = null;
  cases.clear();
  closed.clear();
  lastEventId = null;
  snapshotLoaded = false;
  setConnection('off');
}
