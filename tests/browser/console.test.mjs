// Browser tests of the console (web/): a real `vigie serve` on a free port with a temporary
// database, Debian's chromium driven headless by playwright-core. One TAP point per
// scenario; screenshots go to the artefacts directory (build/tests/browser/artifacts).
//
//   node tests/browser/console.test.mjs VIGIE_BINARY WEB_DIR ARTIFACTS_DIR
//
// Assertions never read the wall clock: the readings are posted with current times so that
// triage treats them as live, and every wait is for something on the page.

import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startServer, PASSWORD } from './server.mjs';
import { batch, observation, quietWeek } from './fhir.mjs';
import { launchChromium, runScenarios } from './harness.mjs';

const [vigie, web, artifacts] = process.argv.slice(2);
const STEP_TIMEOUT = 60000;
const scenarios = [];
const scenario = (name, fn) => scenarios.push({ name, fn });

function check(condition, message) {
  if (!condition) throw new Error(message);
}

let server;
let browser;
let shots = 0;
const pageErrors = [];
const pages = {};

async function shot(page, name) {
  shots += 1;
  await page.screenshot({ path: join(artifacts, `${String(shots).padStart(2, '0')}-${name}.png`), fullPage: true });
}

async function newPage(name, viewport = { width: 1440, height: 900 }) {
  const tablet = viewport.width < 1000;
  const context = await browser.newContext({ viewport, locale: 'fr-FR', timezoneId: 'Europe/Paris', hasTouch: tablet, isMobile: false });
  const page = await context.newPage();
  page.setDefaultTimeout(20000);
  page.on('pageerror', (e) => pageErrors.push(`${name}: ${e.message}`));
  // API answers such as 404 are the console's business (it falls back or says so); a file
  // of the console that fails to load is an error, as is anything the CSP refuses
  page.on('console', (m) => {
    if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) pageErrors.push(`${name}: console: ${m.text()}`);
  });
  page.on('response', (r) => {
    const path = new URL(r.url()).pathname;
    if (r.status() >= 400 && !path.startsWith('/api/') && !path.startsWith('/fhir')) pageErrors.push(`${name}: ${r.status()} ${path}`);
  });
  pages[name] = page;
  return page;
}

async function login(page, user) {
  await page.goto(server.base + '/');
  await page.fill('#login-user', user);
  await page.fill('#login-password', PASSWORD);
  await page.click('.login-form button[type=submit]');
  await page.waitForSelector('#logout-button');
}

async function postObservations(user, resources) {
  const token = await server.tokenOf(user);
  const r = await server.call('POST', '/fhir', { token, body: batch(resources) });
  check(r.status === 200, `POST /fhir batch: ${r.status} ${r.text.slice(0, 400)}`);
  for (const entry of r.json.entry || []) {
    check(/^20[01]/.test(entry.response.status), `batch entry: ${JSON.stringify(entry.response).slice(0, 300)}`);
  }
}

async function putPatient(user, id) {
  const token = await server.tokenOf(user);
  const r = await server.call('PUT', `/fhir/Patient/${id}`, { token, body: { resourceType: 'Patient', id, gender: 'female', birthDate: '1941-05-02' } });
  check(r.status === 201 || r.status === 200, `PUT Patient/${id}: ${r.status} ${r.text}`);
}

// The registry (territories, quotas, enrolment) when the server has it: T01 in Normandie
// (region 28) with p-b1 and p-b3 enrolled, T02 in Île-de-France. Returns false without it.
async function setUpRegistry() {
  const admin = await server.tokenOf('admin');
  const territory = (body) => server.call('POST', '/api/territories', { token: admin, body });
  const first = await territory({ id: 'T01', name: "Pays d'Ouche", region: '28', communes: ['27229'], quota: 20 });
  if (first.status === 404 || first.status === 405) return false;
  check(first.status === 201, `POST /api/territories: ${first.status} ${first.text}`);
  const second = await territory({ id: 'T02', name: 'Paris 20e', region: '11', communes: ['75120'], quota: 10 });
  check(second.status === 201, `POST /api/territories T02: ${second.status} ${second.text}`);
  const enrol = async (t, patient, condition) => {
    const r = await server.call('POST', `/api/territories/${t}/patients`, { token: admin, body: { patient, conditions: [condition], expected: [{ kind: 'weight', per_day: 1 }] } });
    check(r.status === 201, `enrol ${patient}: ${r.status} ${r.text}`);
  };
  await enrol('T01', 'p-b1', '84114007');
  await enrol('T01', 'p-b3', '13645005');
  await enrol('T02', 'p-b2', '44054006');
  return true;
}

// ---- Scenarios --------------------------------------------------------------------------

const state = {};

scenario('the server serves the console: types, caching, no traversal, API paths untouched', async () => {
  const index = await server.call('GET', '/');
  check(index.status === 200 && /text\/html/.test(index.headers.get('content-type')), `GET / ${index.status}`);
  check(/default-src 'self'/.test(index.headers.get('content-security-policy') || ''), 'CSP on the page');
  check(index.headers.get('cache-control') === 'no-cache' && index.headers.get('etag'), 'Cache-Control and ETag');
  const etag = index.headers.get('etag');
  const again = await fetch(server.base + '/index.html', { headers: { 'If-None-Match': etag } });
  check(again.status === 304, `If-None-Match answers 304, got ${again.status}`);
  const js = await server.call('GET', '/js/main.mjs');
  check(js.status === 200 && /text\/javascript/.test(js.headers.get('content-type')), `module type ${js.headers.get('content-type')}`);
  const css = await server.call('GET', '/console.css');
  check(/text\/css/.test(css.headers.get('content-type')), 'stylesheet type');
  for (const path of ['/../meson.build', '/%2e%2e/meson.build', '/js/..%2f..%2fmeson.build', '/.hidden', '/js/nothing.mjs', '/README.md']) {
    const r = await server.call('GET', path);
    check(r.status === 404, `${path} answers ${r.status}`);
  }
  const api = await server.call('GET', '/api/nothing');
  check(api.status === 404 && api.json && api.json.resourceType === 'OperationOutcome', 'unknown API path keeps the router answer');
});

scenario('the dictionaries: French and English hold the same keys, every key the code uses exists', async () => {
  const { messages } = await import(pathToFileURL(resolve(web, 'js', 'messages.mjs')).href);
  const fr = Object.keys(messages.fr);
  const en = new Set(Object.keys(messages.en));
  const missingEn = fr.filter((k) => !en.has(k));
  const missingFr = [...en].filter((k) => !(k in messages.fr));
  check(!missingEn.length && !missingFr.length, `only fr: ${missingEn.join(', ')}; only en: ${missingFr.join(', ')}`);
  const used = new Set();
  for (const file of readdirSync(join(web, 'js'))) {
    const text = readFileSync(join(web, 'js', file), 'utf8');
    for (const m of text.matchAll(/\bt\('([a-z0-9_.-]+)'/g)) used.add(m[1]);
  }
  for (const m of readFileSync(join(web, 'index.html'), 'utf8').matchAll(/data-i18n(?:-label)?="([^"]+)"/g)) used.add(m[1]);
  const unknown = [...used].filter((k) => !(k in messages.fr));
  check(!unknown.length, `keys used but not defined: ${unknown.join(', ')}`);
});

scenario('coord1 logs in (French by default) and sees the live queue', async () => {
  await putPatient('nurse1', 'p-b1');
  await putPatient('nurse1', 'p-b3');
  await putPatient('nurse2', 'p-b2');
  state.registry = await setUpRegistry();
  await postObservations('nurse1', quietWeek('p-b1', Date.now()));
  const page = await newPage('coord1');
  await page.goto(server.base + '/');
  await page.waitForSelector('#login-user');
  check(await page.getAttribute('html', 'lang') === 'fr', 'the page is in French');
  check((await page.textContent('#login-title')).includes('Connexion'), 'French login title');
  await shot(page, 'login');
  await login(page, 'coord1');
  await page.waitForSelector('.connection[data-state=live]');
  await page.waitForSelector('.queue-view .empty:not([hidden])');
  check((await page.textContent('#queue-title')).includes('File'), 'queue title in French');
  await shot(page, 'queue-empty');
});

scenario('a category-1 case arrives live after an Observation is posted: notice, spoken alert, beep', async () => {
  const page = pages.coord1;
  const other = await newPage('coord2');
  await login(other, 'coord2');
  await other.waitForSelector('.connection[data-state=live]');
  await postObservations('nurse1', [observation('p-b1', 'glucose', new Date(Date.now() - 60000), 45)]);
  const row = await page.waitForSelector('.case-row[data-category="1"]');
  state.caseId = await row.getAttribute('data-id');
  check((await row.textContent()).includes('p-b1'), 'the row names the patient');
  await page.waitForSelector('#notice:not([hidden])');
  const notice = await page.textContent('#notice');
  check(/catégorie 1/.test(notice), `notice text: ${notice}`);
  await page.waitForFunction(() => /Cas immédiat/.test(document.querySelector('#alert-live').textContent));
  const beeps = Number(await page.getAttribute('#notice', 'data-beeps'));
  check(beeps >= 1, `a beep was played (data-beeps=${beeps})`);
  check(/^\(1\)/.test(await page.title()), `the tab title counts it: ${await page.title()}`);
  check(await page.isVisible('.case-row .deadline'), 'the deadline counts down');
  await shot(page, 'queue-category1-arrived');
  state.coord2 = other;
});

scenario('coord1 opens the case: events with their reasons, the glucose chart with the fired reading ringed', async () => {
  const page = pages.coord1;
  await page.focus(`.case-row[data-id="${state.caseId}"] a`);
  await page.keyboard.press('Enter');
  await page.waitForSelector(`.case-view[data-case="${state.caseId}"]`);
  const reason = await page.textContent('.item-event .item-reason');
  check(/45/.test(reason), `the event's reason gives the value: ${reason}`);
  await page.waitForSelector('figure.chart-glucose .fired-ring');
  const points = Number(await page.getAttribute('figure.chart-glucose', 'data-points'));
  check(points >= 8, `the glucose chart holds the week (${points} readings)`);
  for (const kind of ['weight', 'blood_pressure', 'heart_rate', 'spo2', 'steps']) {
    check(await page.$(`figure.chart-${kind} svg`), `a ${kind} chart`);
  }
  check(await page.$('figure.chart-glucose .threshold.cat-1'), 'the level-2 threshold is drawn');
  await page.click('.segment[data-days="30"]');
  await page.waitForSelector('.charts-grid[data-days="30"]');
  await page.click('.segment[data-days="7"]');
  await page.waitForSelector('.charts-grid[data-days="7"]');
  await shot(page, 'case-open');
});

scenario('coord1 claims the case, then closes it with an outcome; the queue empties', async () => {
  const page = pages.coord1;
  await page.keyboard.press('c');
  await page.waitForSelector('.facts .state[data-state=claimed]');
  check((await page.textContent('.facts .state')).includes('coord1'), 'claimed by coord1');
  await shot(page, 'case-claimed');
  await page.click('[data-action=close]');
  await page.check('input[name=outcome][value=teleconsultation]');
  await page.fill('#close-note', 'Resucrage, glycémie de contrôle 112 mg/dL.');
  await page.click('.close-form button[type=submit]');
  await page.waitForSelector('.facts .state[data-state=closed]');
  check((await page.textContent('.facts .outcome')).includes('Téléconsultation'), 'the outcome is shown');
  await page.waitForSelector('.item-transition');
  await shot(page, 'case-closed');
  await page.keyboard.press('Escape');
  await page.waitForSelector('.queue-view .empty:not([hidden])');
});

scenario('a coordinator of another territory sees none of it: not in the queue, not by address, not live', async () => {
  const other = state.coord2;
  check(await other.$$eval('.case-row', (rows) => rows.length) === 0, 'coord2 has no case');
  // a second category-1 case in T01: coord1's console gets it live, coord2's never does
  await postObservations('nurse1', [observation('p-b3', 'glucose', new Date(Date.now() - 30000), 42)]);
  await pages.coord1.waitForSelector('.case-row[data-category="1"]');
  // a case of T02 afterwards: once coord2 sees it, the T01 change (earlier) would be there too
  await postObservations('nurse2', [observation('p-b2', 'glucose', new Date(Date.now() - 30000), 310)]);
  await other.waitForSelector('.case-row[data-category="2"]');
  const patients = await other.$$eval('.case-row .case-sub', (els) => els.map((e) => e.textContent));
  check(patients.every((p) => p.includes('p-b2')), `coord2 sees only T02: ${patients.join(' | ')}`);
  check(await other.isHidden('#notice'), 'no category-1 notice for coord2');
  await other.goto(`${server.base}/#/case/${state.caseId}`);
  await other.waitForSelector('.case-view h1');
  check(/introuvable/.test(await other.textContent('.case-view h1')), 'the T01 case is not found for coord2');
  await shot(other, 'other-territory');
});

scenario('English is available, and the choice survives a reload', async () => {
  const page = pages.coord1;
  await page.click('#lang-button');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  check((await page.textContent('#queue-title')).includes('Case queue'), 'queue title in English');
  await page.reload();
  await page.waitForSelector('#queue-title');
  check(await page.getAttribute('html', 'lang') === 'en', 'still English after a reload');
  check((await page.textContent('.case-row .badge')).includes('Immediate'), 'category in English');
  await shot(page, 'queue-english');
  await page.click('#lang-button');
  await page.waitForFunction(() => document.documentElement.lang === 'fr');
});

scenario('the territory view: open cases and evaluation figures as charts', async () => {
  const page = pages.coord1;
  await page.keyboard.press('t');
  await page.waitForSelector('.territory-view[data-territory=T01]');
  await page.waitForSelector('#ev-outcomes svg');
  check(await page.$$eval('#ev-alerts .bar', (b) => b.length) === 3, 'alerts by category');
  const closed = await page.textContent('[data-figure=closed] .figure-value');
  check(closed.trim() === '1', `one closed case in the figures (${closed})`);
  check(await page.$('.mini-cases a'), 'the open case is listed');
  if (state.registry) {
    await page.waitForSelector('.patients-table tr[data-patient=p-b1]');
    check((await page.textContent('.patients-table tr[data-patient=p-b1]')).includes('Insuffisance cardiaque'), 'the condition in words');
  } else {
    await page.waitForSelector('.territory-view .block:not([aria-busy]) .hint');
  }
  await shot(page, 'territory');
});

scenario('the thresholds editor: a coordinator sets and clears a patient threshold', async () => {
  const page = pages.coord1;
  await page.goto(`${server.base}/#/case/${state.caseId}`);
  await page.waitForSelector('.case-view[data-case]');
  const editor = await page.$('.case-thresholds details');
  if (!editor) {
    // the server has no per-patient thresholds endpoint yet: the section stays empty
    check(await page.$eval('.case-thresholds', (el) => el.children.length === 0), 'no half-drawn editor');
    return;
  }
  await page.click('.case-thresholds summary');
  await page.fill('#th-glucose_level2_below', '60');
  await page.click('.threshold-form button[type=submit]');
  await page.waitForSelector('.threshold-form .form-message:not(.error):has-text("enregistrés")');
  check(/coord1/.test(await page.textContent('.threshold-form .hint')), 'who set them is shown');
  await page.waitForSelector('figure.chart-glucose .threshold-label:has-text("< 60")');
  await page.fill('#th-glucose_level2_below', '20');
  await page.click('.threshold-form button[type=submit]');
  await page.waitForSelector('.threshold-form .form-message.error');
  check(await page.getAttribute('#th-glucose_level2_below', 'aria-invalid') === 'true', 'the wrong field is marked');
  await shot(page, 'thresholds');
  await page.click('.threshold-form button.secondary');
  await page.waitForSelector('.threshold-form .form-message:not(.error):has-text("rétablis")');
  check(await page.inputValue('#th-glucose_level2_below') === '', 'the override is gone');
});

scenario('reports and requests: a caregiver reports, a nurse asks for a stat tele-expertise that reaches the queue', async () => {
  const carer = await newPage('carer1', { width: 820, height: 1180 });
  await login(carer, 'carer1');
  await carer.waitForSelector('.report-view');
  check(await carer.$('#rp-patient option[value=p-care]'), 'the caregiver picks among their patients');
  await putPatient('nurse1', 'p-care');
  await carer.fill('#rp-text', 'Elle a fait un malaise ce matin, pas de chute.');
  await carer.click('.report-form button[type=submit]');
  await carer.waitForSelector('.report-form .form-message:not(.error):has-text("p-care")');
  await shot(carer, 'report-caregiver-tablet');
  const nurse = await newPage('nurse1');
  await login(nurse, 'nurse1');
  await nurse.click('#nav a[href="#/report"]');
  await nurse.check('input[name=rp-kind][value=request]');
  await nurse.fill('#rp-patient', 'p-b1');
  await nurse.selectOption('#rp-priority', 'stat');
  await nurse.fill('#rp-question', 'Avis sur une douleur thoracique');
  await nurse.fill('#rp-reason', 'Douleur thoracique depuis 20 minutes, sueurs.');
  await nurse.click('.report-form button[type=submit]');
  await nurse.waitForSelector('.report-form .form-message:not(.error):has-text("p-b1")');
  await shot(nurse, 'request-professional');
  await pages.coord1.goto(`${server.base}/#/queue`);
  await pages.coord1.waitForFunction(() => [...document.querySelectorAll('.case-row .case-sub')].some((e) => e.textContent.includes('p-b1')));
});

scenario('the programme view for planners', async () => {
  const page = await newPage('planner1');
  await login(page, 'planner1');
  await page.waitForSelector('.programme-view');
  await page.waitForSelector('.programme-view .block:not([aria-busy])');
  check(!(await page.$('#nav a[href="#/queue"]')), 'a planner has no queue');
  if (state.registry) {
    const row = await page.waitForSelector('.region[data-region="28"] tr[data-territory=T01]');
    const text = await row.textContent();
    check(/2 \/ 20/.test(text), `enrolled against quota: ${text}`);
    check(/Insuffisance cardiaque 1/.test(text) && /BPCO 1/.test(text), `by condition: ${text}`);
    check(!(await page.$('.region[data-region="11"]')), "another region's territories stay out of a T01 planner's view");
  } else {
    check(/registre/.test(await page.textContent('.programme-view .block')), 'says the registry is missing');
  }
  await shot(page, 'programme');
});

scenario('the live queue survives a restart of the server: a case raised just after it arrives', async () => {
  const page = pages.coord1;
  await page.goto(`${server.base}/#/queue`);
  await page.waitForSelector('.connection[data-state=live]');
  const status = await server.restart();
  check(status === 0, `the server stopped cleanly (${status})`);
  await putPatient('nurse1', 'p-b4');
  await postObservations('nurse1', [observation('p-b4', 'glucose', new Date(Date.now() - 20000), 38)]);
  await page.waitForFunction(() => [...document.querySelectorAll('.case-row .case-sub')].some((e) => e.textContent.includes('p-b4')));
  await page.waitForSelector('.connection[data-state=live]');
  await page.waitForSelector('#notice:not([hidden]) >> text=p-b4');
});

scenario('a tablet: the queue and the case fit the width, keys and taps work', async () => {
  const page = await newPage('tablet', { width: 820, height: 1180 });
  await login(page, 'coord1');
  await page.waitForSelector('.case-row');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, `no sideways scrolling (${overflow} px)`);
  await shot(page, 'tablet-queue');
  await page.tap('.case-row .case-link');
  await page.waitForSelector('.case-view figure.chart');
  const caseOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(caseOverflow <= 0, `the case fits (${caseOverflow} px)`);
  await shot(page, 'tablet-case');
  await page.click('#theme-button');
  await page.waitForSelector('html[data-theme=dark]');
  await shot(page, 'tablet-case-night');
});

scenario('no script error nor refused resource in any page', async () => {
  check(!pageErrors.length, pageErrors.join('\n'));
});

scenario('the server stops cleanly (no sanitizer report)', async () => {
  await browser.close();
  const { status, log } = await server.stop();
  check(status === 0, `vigie serve exited with ${status}:\n${log.split('\n').slice(-20).join('\n')}`);
});

// ---- Run ----------------------------------------------------------------------------------

async function main() {
  console.log(`1..${scenarios.length}`);
  let failed = 0;
  try {
    if (!vigie || !web || !artifacts) throw new Error('usage: console.test.mjs VIGIE WEB_DIR ARTIFACTS_DIR');
    rmSync(artifacts, { recursive: true, force: true });
    mkdirSync(artifacts, { recursive: true });
    server = await startServer(vigie, web);
    browser = await launchChromium(['--autoplay-policy=no-user-gesture-required']);
  } catch (e) {
    scenarios.forEach((s, i) => console.log(`not ok ${i + 1} - ${s.name}\n# ${e.message}`));
    await server?.stop();
    process.exit(1);
  }
  failed = await runScenarios(scenarios, { artifacts, pages, stepTimeout: STEP_TIMEOUT });
  await browser.close().catch(() => {});
  const { log } = await server.stop();
  if (failed) console.log(`# server log:\n${log.split('\n').slice(-30).map((l) => `#   ${l}`).join('\n')}`);
  console.log(`# screenshots in ${artifacts}`);
  process.exit(failed ? 1 : 0);
}

main();
