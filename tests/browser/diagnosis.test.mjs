// Browser tests of the territory diagnosis screen (#/diagnosis): a real `vigie serve` with
// the hand-made data of tests/e2e/data (tests/e2e/data/diagnosis.conf), Debian's chromium
// driven headless by playwright-core. One TAP point per scenario; screenshots go to the
// artefacts directory.
//
//   node tests/browser/diagnosis.test.mjs VIGIE_BINARY WEB_DIR E2E_DATA_DIR ARTIFACTS_DIR
//
// Every wait is for something on the page, never for the clock.

import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, PASSWORD } from './server.mjs';
import { launchChromium, runScenarios } from './harness.mjs';

const [vigie, web, data, artifacts] = process.argv.slice(2);
const STEP_TIMEOUT = 60000;
const scenarios = [];
const scenario = (name, fn) => scenarios.push({ name, fn });

function check(condition, message) {
  if (!condition) throw new Error(message);
}

let server;
let bare; // a server without territory data
let browser;
let shots = 0;
const pageErrors = [];
const pages = {};

async function shot(page, name) {
  shots += 1;
  await page.screenshot({ path: join(artifacts, `${String(shots).padStart(2, '0')}-${name}.png`), fullPage: true });
}

async function newPage(name, viewport = { width: 1440, height: 1000 }) {
  const context = await browser.newContext({ viewport, locale: 'fr-FR', timezoneId: 'Europe/Paris' });
  const page = await context.newPage();
  page.setDefaultTimeout(20000);
  page.on('pageerror', (e) => pageErrors.push(`${name}: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) pageErrors.push(`${name}: console: ${m.text()}`);
  });
  page.on('response', (r) => {
    const path = new URL(r.url()).pathname;
    if (r.status() >= 400 && !path.startsWith('/api/')) pageErrors.push(`${name}: ${r.status()} ${path}`);
  });
  pages[name] = page;
  return page;
}

async function login(page, base, user) {
  await page.goto(base + '/');
  await page.fill('#login-user', user);
  await page.fill('#login-password', PASSWORD);
  await page.click('.login-form button[type=submit]');
  await page.waitForSelector('#logout-button');
}

const mapReady = (page) => page.waitForSelector('.map-host:not([aria-busy]) .map-svg path.departement:not(.choro-none)');

// ---- Scenarios --------------------------------------------------------------------------

scenario('the registry has two territories of the fixture (Creuse nord T01, Haute-Vienne ouest T02)', async () => {
  const admin = await server.tokenOf('admin');
  for (const body of [
    { id: 'T01', name: 'Creuse nord', region: '75', communes: ['23001', '23002', '23003', '23007'], quota: null },
    { id: 'T02', name: 'Haute-Vienne ouest', region: '75', communes: ['87003', '87006'], quota: null },
  ]) {
    const r = await server.call('POST', '/api/territories', { token: admin, body });
    check(r.status === 201, `POST /api/territories ${body.id}: ${r.status} ${r.text}`);
  }
});

scenario('a planner opens the diagnosis from the navigation: départements coloured by APL, legend, figures as a table', async () => {
  const page = await newPage('planner1');
  await login(page, server.base, 'planner1');
  await page.click('#nav a[href="#/diagnosis"]');
  await mapReady(page);
  check((await page.textContent('#diagnosis-title')).includes('Diagnostic territorial'), 'French title');
  check((await page.textContent('.diagnosis-view > .hint')).includes('apl.csv'), 'the source is named');
  // Creuse-Test: mean APL 2.56, in the 2.5-3 class; Haute-Vienne-Test 4.44, the best class
  check(await page.getAttribute('#dep-23', 'class') === 'departement choro-3', `Creuse class ${await page.getAttribute('#dep-23', 'class')}`);
  check(await page.getAttribute('#dep-87', 'class') === 'departement choro-0', 'Haute-Vienne class');
  check((await page.getAttribute('#dep-23', 'aria-label')).includes('2,56'), 'the département says its value');
  check(await page.locator('.legend-list li').count() === 6, 'five classes and "no data" in the legend');
  check((await page.textContent('.legend-title')).includes('2,5'), 'the legend names the threshold');
  await page.click('.map-table summary');
  check(await page.locator('#areas-table tbody tr').count() === 4, 'one row per département (Paris-Test has no outline)');
  check((await page.textContent('#areas-table tr[data-code="23"]')).includes('941'), 'deficit of Creuse in the table');
  await shot(page, 'diagnosis-map-apl');
  // another indicator recolours the map: 31 % of Creuse lives under the threshold
  await page.click('.segment[data-value="share"]');
  await page.waitForFunction(() => document.querySelector('#dep-23').getAttribute('class') === 'departement choro-2');
  check((await page.textContent('.legend-title')).includes('Part de la population'), 'legend of the share');
  await page.click('.segment[data-value="apl"]');
  await page.waitForFunction(() => document.querySelector('#dep-23').getAttribute('class') === 'departement choro-3');
});

scenario('keyboard: the map is one tab stop, arrows move between départements, Enter chooses one for the site search', async () => {
  const page = pages.planner1;
  await page.focus('#dep-19');
  await page.keyboard.press('ArrowRight');
  check(await page.evaluate(() => document.activeElement.id) === 'dep-23', 'the arrow moves to the next département');
  check(await page.getAttribute('#dep-23', 'tabindex') === '0' && await page.getAttribute('#dep-19', 'tabindex') === '-1', 'roving tab stop');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#dep-23[aria-pressed="true"]');
  check(await page.inputValue('#sites-departements') === '23', 'the site form takes the département');
  check((await page.textContent('.map-details')).includes('Creuse-Test'), 'the choice is described');
  check(await page.locator('.map-overlay path').count() === 1, 'the choice is drawn');
  check(await page.getAttribute('.map-focus', 'd') === await page.getAttribute('#dep-23', 'd'), 'the focus is drawn');
  await page.keyboard.press('End');
  check(await page.evaluate(() => document.activeElement.id) === 'dep-87', 'End goes to the last');
});

scenario('a site selection: markers on the map, zoomed on the area, the sites as a table', async () => {
  const page = pages.planner1;
  await page.fill('#sites-p', '2');
  await page.fill('#sites-minutes', '30');
  await page.click('.sites-form button[type=submit]');
  await page.waitForSelector('.map-markers .site-marker:nth-child(2)');
  check(await page.locator('.map-markers .site-marker').count() === 2, 'two markers');
  check(await page.getAttribute('.map-svg', 'data-zoom') === 'area', 'the map zooms on the area');
  check((await page.getAttribute('.site-marker[data-code="23002"]', 'aria-label')).includes('Bois-Clair'), 'the first site is Bois-Clair');
  check(await page.locator('#sites-table tbody tr').count() === 2, 'two rows');
  check((await page.textContent('.sites-summary')).includes('optimale'), 'the solution is optimal');
  check((await page.textContent('.legend-list')).includes('site de télémédecine'), 'the legend shows the marker');
  await shot(page, 'diagnosis-sites');
  // a refused request marks the field the server names
  await page.fill('#sites-departements', '23, 99');
  await page.click('.sites-form button[type=submit]');
  await page.waitForSelector('#sites-departements[aria-invalid="true"]');
  check((await page.textContent('.sites-form .form-message')).includes('departement 99 is not known'), 'the server\'s message');
  await page.click('#map-reset');
  check(await page.inputValue('#sites-departements') === '', 'the choice is cleared');
  await page.waitForFunction(() => document.querySelector('.map-svg').dataset.zoom === 'france');
});

scenario('the registry\'s territories as their communes, coloured by their APL', async () => {
  const page = pages.planner1;
  await page.click('.segment[data-value="territory"]');
  await page.waitForSelector('.map-dots circle');
  // planner1 sees T01 only: its four communes
  check(await page.locator('.map-dots circle').count() === 4, `${await page.locator('.map-dots circle').count()} dots`);
  check(await page.locator('#areas-table tbody tr').count() === 1, 'one territory in the table');
  check((await page.textContent('#areas-table')).includes('Creuse nord (T01)'), 'named');
  await shot(page, 'diagnosis-territories');
  await page.click('.segment[data-value="departement"]');
  await page.waitForFunction(() => !document.querySelector('.map-dots circle'));
});

scenario('the rotation calendar: teams across the horizon, stays by territory, and the same as tables', async () => {
  const page = pages.planner1;
  await page.waitForSelector('.cal-svg .cal-stay');
  check(await page.inputValue('#rot-from') === '2026-04-01' && await page.inputValue('#rot-to') === '2026-06-30', 'the horizon of the teams file');
  check(await page.locator('.cal-svg .cal-row').count() === 2, 'one row per team');
  const stays = await page.locator('#rotation-table tbody tr').count();
  check(stays > 0 && stays === await page.locator('.cal-svg .cal-stay').count(), 'each stay in the table');
  check((await page.textContent('#need-table')).includes('Creuse nord (T01)'), 'territory names in the need table');
  check((await page.textContent('.cal-figure figcaption')).includes('séjours pour 2 équipes'), 'the summary');
  await page.locator('.rotation-block').scrollIntoViewIfNeeded();
  await shot(page, 'diagnosis-rotations');
  // a shorter horizon
  await page.fill('#rot-to', '2026-04-30');
  await page.click('#rot-run');
  await page.waitForFunction(() => (document.querySelector('.cal-figure figcaption') || {}).textContent.includes('30 avr.'));
});

scenario('a coordinator reads the map and the calendar, without the site search', async () => {
  const page = await newPage('coord2');
  await login(page, server.base, 'coord2');
  await page.keyboard.press('d');
  await mapReady(page);
  check(await page.locator('#sites-p').count() === 0, 'no site form');
  await page.waitForSelector('.cal-svg .cal-stay');
  check((await page.textContent('#need-table')).includes('T02'), 'their territory');
  check(!(await page.textContent('#need-table')).includes('T01'), 'not the other one');
});

scenario('English is available on the diagnosis', async () => {
  const page = pages.planner1;
  await page.click('#lang-button');
  await page.waitForFunction(() => document.querySelector('#diagnosis-title').textContent === 'Territory diagnosis');
  await mapReady(page);
  check((await page.textContent('.legend-title')).includes('Mean APL'), 'legend in English');
  await page.waitForSelector('.cal-svg .cal-stay');
  await shot(page, 'diagnosis-english');
  await page.click('#lang-button');
  await page.waitForFunction(() => document.querySelector('#diagnosis-title').textContent === 'Diagnostic territorial');
});

scenario('a server without territory data says which file is missing and which setting to set', async () => {
  const page = await newPage('bare');
  await login(page, bare.base, 'planner1');
  await page.goto(`${bare.base}/#/diagnosis`);
  await page.waitForSelector('#data-missing');
  const text = await page.textContent('#data-missing');
  check(/communes\.csv is missing; set territory\.communes, or territory\.data_dir/.test(text), text);
  check((await page.textContent('#rotation-missing')).includes('territory.teams'), 'the calendar says so too');
  await shot(page, 'diagnosis-no-data');
});

scenario('no script error nor refused resource in any page', async () => {
  check(!pageErrors.length, pageErrors.join('\n'));
});

scenario('the servers stop cleanly (no sanitizer report)', async () => {
  await browser.close();
  for (const s of [server, bare]) {
    const { status, log } = await s.stop();
    check(status === 0, `vigie serve exited with ${status}:\n${log.split('\n').slice(-20).join('\n')}`);
  }
  server = bare = null;
});

// ---- Run ----------------------------------------------------------------------------------

async function main() {
  console.log(`1..${scenarios.length}`);
  let failed = 0;
  try {
    if (!vigie || !web || !data || !artifacts) throw new Error('usage: diagnosis.test.mjs VIGIE WEB_DIR E2E_DATA_DIR ARTIFACTS_DIR');
    rmSync(artifacts, { recursive: true, force: true });
    mkdirSync(artifacts, { recursive: true });
    server = await startServer(vigie, web, { config: join(data, 'diagnosis.conf') });
    bare = await startServer(vigie, web, { config: join(data, 'missing.conf') });
    browser = await launchChromium();
  } catch (e) {
    scenarios.forEach((s, i) => console.log(`not ok ${i + 1} - ${s.name}\n# ${e.message}`));
    await server?.stop();
    await bare?.stop();
    process.exit(1);
  }
  failed = await runScenarios(scenarios, { artifacts, pages, stepTimeout: STEP_TIMEOUT });
  await browser.close().catch(() => {});
  for (const s of [server, bare]) {
    if (!s) continue;
    const { log } = await s.stop();
    if (failed) console.log(`# server log:\n${log.split('\n').slice(-30).map((l) => `#   ${l}`).join('\n')}`);
  }
  console.log(`# screenshots in ${artifacts}`);
  process.exit(failed ? 1 : 0);
}

main();
