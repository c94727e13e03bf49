// A real `vigie serve` for the browser tests: a temporary database with the standard users
// of tests/e2e/harness.h (same names, roles, territories and password), a free port, and
// small helpers to call its API from the test.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PASSWORD = 'e2e-password-long';
export const USERS = [
  ['admin', 'admin', null, null],
  ['coord1', 'coordinator', 'T01', null],
  ['coord2', 'coordinator', 'T02', null],
  ['nurse1', 'professional', 'T01', null],
  ['nurse2', 'professional', 'T02', null],
  ['planner1', 'planner', 'T01', null],
  ['carer1', 'caregiver', null, 'p-care'],
];

// options.config: a configuration file for `vigie serve --config`.
export async function startServer(vigie, web, options = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-browser-'));
  const db = join(dir, 'vigie.db');
  for (const [name, role, territory, patient] of USERS) {
    const args = ['user', 'add', '--db', db, '--username', name, '--role', role, '--password-stdin'];
    if (territory) args.push('--territory', territory);
    if (patient) args.push('--patient', patient);
    const r = spawnSync(vigie, args, { input: `${PASSWORD}\n`, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`vigie user add ${name}: ${r.stderr}`);
  }
  let log = '';
  let child = null;
  let exit = null;

  // Starts the server on `listen`; resolves to the port it bound.
  function launch(listen) {
    const args = ['serve', '--db', db, '--listen', listen, '--web', web];
    if (options.config) args.push('--config', options.config);
    child = spawn(vigie, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    exit = null;
    child.stderr.on('data', (d) => { log += d; });
    child.on('exit', (code, signal) => { exit = signal ? 128 : code; });
    return new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`vigie serve did not start: ${log}`)), 15000);
      child.stdout.on('data', (d) => {
        out += d;
        const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
        if (m) { clearTimeout(timer); resolve(Number(m[1])); }
      });
      child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`vigie serve exited (${code}): ${log}`)); });
    });
  }

  async function halt() {
    if (exit === null) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await gone;
    }
    return exit;
  }

  const port = await launch('127.0.0.1:0');
  const base = `http://127.0.0.1:${port}`;
  const tokens = {};

  async function call(method, path, { token, body, contentType } = {}) {
    const headers = {};
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = contentType || (path.startsWith('/fhir') ? 'application/fhir+json' : 'application/json');
    const r = await fetch(base + path, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
    const text = await r.text();
    let json = null;
    try { json = JSON.parse(text); } catch (_) { /* not JSON */ }
    return { status: r.status, headers: r.headers, text, json };
  }

  async function tokenOf(user) {
    if (!tokens[user]) {
      const r = await call('POST', '/api/login', { body: { username: user, password: PASSWORD } });
      if (r.status !== 200) throw new Error(`login ${user}: ${r.status} ${r.text}`);
      tokens[user] = r.json.token;
    }
    return tokens[user];
  }

  // Stops with SIGTERM; resolves to the exit status (non-zero when the server failed, e.g.
  // a sanitizer report) and what it wrote on stderr.
  async function stop() {
    const status = await halt();
    rmSync(dir, { recursive: true, force: true });
    return { status, log };
  }

  // Stops cleanly and starts again on the same port and database; resolves to the exit
  // status of the stop.
  async function restart() {
    const status = await halt();
    await launch(`127.0.0.1:${port}`);
    return status;
  }

  return { base, call, tokenOf, stop, restart, log: () => log };
}
