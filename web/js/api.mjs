// The platform's HTTP API: the session's token, JSON requests, errors a person can read.
//
// The token lives in sessionStorage: it survives a reload of the tab but not the closing of
// the browser, and another tab asks for a login (a shared workstation keeps no session).

const SESSION_KEY = 'vigie.session';
const expiredListeners = new Set();

export class ApiError extends Error {
  // issues: every error of an OperationOutcome, [{message, expression}] (a form marks each
  // field named); the first one is the message and field.
  constructor(status, message, field, issues) {
    super(message);
    this.status = status;
    this.field = field || null;
    this.issues = issues || [];
  }
}

export function session() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(SESSION_KEY) || 'null');
    if (saved && saved.token && Date.parse(saved.expires_at) > Date.now()) return saved;
  } catch (_) { /* a damaged entry is no session */ }
  return null;
}

export function token() {
  const s = session();
  return s ? s.token : null;
}

function saveSession(s) {
  if (s) sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
  else sessionStorage.removeItem(SESSION_KEY);
}

// Called when the server no longer knows the token (expired, revoked): back to the login.
export function onExpired(fn) {
  expiredListeners.add(fn);
}

// Difference between the server's clock and ours (ms), from the Date header: deadlines are
// the server's, countdowns run on ours.
let clockOffset = 0;
export function serverNow() {
  return Date.now() + clockOffset;
}

function noteServerDate(response) {
  const date = Date.parse(response.headers.get('Date') || '');
  // the header has a resolution of one second: ignore differences below it
  if (!Number.isNaN(date) && Math.abs(date - Date.now()) > 1500) clockOffset = date - Date.now();
}

function errorFrom(status, body) {
  if (body && body.error) return new ApiError(status, body.error.message, body.error.field);
  if (body && body.resourceType === 'OperationOutcome' && body.issue && body.issue.length) {
    const issue = body.issue.find((i) => i.severity === 'error' || i.severity === 'fatal') || body.issue[0];
    const issues = body.issue.filter((i) => i.severity === 'error' || i.severity === 'fatal')
      .map((i) => ({ message: i.diagnostics || i.code, expression: (i.expression || [])[0] || null }));
    return new ApiError(status, issue.diagnostics || issue.code, (issue.expression || [])[0], issues);
  }
  return new ApiError(status, `HTTP ${status}`);
}

// One request. `body` (an object) is sent as JSON; FHIR paths use FHIR's content type.
// Resolves to the parsed JSON answer; rejects with an ApiError.
export async function request(method, path, body, { auth = true } = {}) {
  const headers = { Accept: 'application/json' };
  const t = token();
  if (auth && t) headers.Authorization = `Bearer ${t}`;
  const fhir = path.startsWith('fhir/');
  if (body !== undefined) headers['Content-Type'] = fhir ? 'application/fhir+json' : 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, 'network');
  }
  noteServerDate(response);
  let json = null;
  const text = await response.text();
  if (text) {
    try { json = JSON.parse(text); } catch (_) { json = null; }
  }
  if (response.status === 401 && auth && t) {
    saveSession(null);
    for (const fn of expiredListeners) fn();
  }
  if (!response.ok) throw errorFrom(response.status, json);
  return json;
}

export const get = (path) => request('GET', path);
export const post = (path, body) => request('POST', path, body === undefined ? {} : body);
export const put = (path, body) => request('PUT', path, body);

export async function login(username, password) {
  const answer = await request('POST', 'api/login', { username, password }, { auth: false });
  saveSession({ token: answer.token, expires_at: answer.expires_at });
  const me = await get('api/me');
  saveSession({ token: answer.token, expires_at: answer.expires_at, me });
  return me;
}

export async function logout() {
  try {
    if (token()) await request('POST', 'api/logout');
  } finally {
    saveSession(null);
  }
}

// The signed-in user as /api/me gave it at login.
export function me() {
  const s = session();
  return s ? s.me : null;
}

// The list in an answer: the answer itself, or its first member among `keys` that is a list.
export function listFrom(answer, keys) {
  if (Array.isArray(answer)) return answer;
  for (const k of keys) if (answer && Array.isArray(answer[k])) return answer[k];
  return [];
}
