// Shared by the browser test programs: Debian's chromium through playwright-core, and the
// TAP loop over scenarios (one point each, a time limit each, screenshots of every open
// page when one fails). frailty.test.mjs also takes its pages, checks and run from here
// (pageKit, check, signIn, runProgram).

import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export const CHROMIUM = process.env.VIGIE_CHROMIUM || '/usr/bin/chromium';

// Throws a message saying what to install when the browser or the driver is missing.
export async function launchChromium(extraArgs = []) {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/setup (apt-get install chromium)`);
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (e) {
    throw new Error('playwright-core is missing: run scripts/setup (npm ci)');
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
    // playwright gives every launch a fresh profile (--user-data-dir in a new temporary
    // directory, removed at close) and refuses the flag from us
  });
}

// Runs each {name, fn} in order; pages (name -> page) are photographed when one fails.
// Returns the number of failures.
export async function runScenarios(scenarios, { artifacts, pages, stepTimeout }) {
  let failed = 0;
  for (const [i, s] of scenarios.entries()) {
    let timer;
    try {
      await Promise.race([s.fn(), new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('timed out')), stepTimeout); })]);
      console.log(`ok ${i + 1} - ${s.name}`);
    } catch (e) {
      failed += 1;
      console.log(`not ok ${i + 1} - ${s.name}`);
      for (const line of String(e.stack || e).split('\n').slice(0, 12)) console.log(`# ${line}`);
      for (const [name, page] of Object.entries(pages)) {
        await page.screenshot({ path: join(artifacts, `failed-${i + 1}-${name}.png`), fullPage: true }).catch(() => {});
      }
    } finally {
      clearTimeout(timer);
    }
  }
  return failed;
}

export function check(condition, message) {
  if (!condition) throw new Error(message);
}

// The pages of a test program: each in its own context (French, Paris time), its script
// errors, console errors and refused console files collected in `errors` (API answers such
// as 404 are the console's business), numbered screenshots in `artifacts`. Set kit.browser
// before opening pages.
export function pageKit(artifacts) {
  const kit = { browser: null, pages: {}, errors: [], shots: 0 };
  kit.newPage = async (name, viewport = { width: 1280, height: 900 }) => {
    const context = await kit.browser.newContext({ viewport, locale: 'fr-FR', timezoneId: 'Europe/Paris' });
    const page = await context.newPage();
    page.setDefaultTimeout(20000);
    page.on('pageerror', (e) => kit.errors.push(`${name}: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) kit.errors.push(`${name}: console: ${m.text()}`);
    });
    page.on('response', (r) => {
      const path = new URL(r.url()).pathname;
      if (r.status() >= 400 && !path.startsWith('/api/') && !path.startsWith('/fhir')) kit.errors.push(`${name}: ${r.status()} ${path}`);
    });
    kit.pages[name] = page;
    return page;
  };
  kit.shot = async (page, name) => {
    kit.shots += 1;
    await page.screenshot({ path: join(artifacts, `${String(kit.shots).padStart(2, '0')}-${name}.png`), fullPage: true });
  };
  return kit;
}

export async function signIn(page, base, user, password) {
  await page.goto(base + '/');
  await page.fill('#login-user', user);
  await page.fill('#login-password', password);
  await page.click('.login-form button[type=submit]');
  await page.waitForSelector('#logout-button');
}

// A whole test program: prints the plan, calls start() (servers, browser; a failure there
// fails every point), runs the scenarios, then stop() (which returns the servers' logs,
// shown when a scenario failed), and exits non-zero on any failure.
export async function runProgram(scenarios, { artifacts, pages, stepTimeout, start, stop }) {
  console.log(`1..${scenarios.length}`);
  try {
    rmSync(artifacts, { recursive: true, force: true });
    mkdirSync(artifacts, { recursive: true });
    await start();
  } catch (e) {
    scenarios.forEach((s, i) => console.log(`not ok ${i + 1} - ${s.name}\n# ${e.message}`));
    await stop().catch(() => {});
    process.exit(1);
  }
  const failed = await runScenarios(scenarios, { artifacts, pages, stepTimeout });
  const log = await stop();
  if (failed && log) console.log(`# server log:\n${log.split('\n').slice(-30).map((l) => `#   ${l}`).join('\n')}`);
  console.log(`# screenshots in ${artifacts}`);
  process.exit(failed ? 1 : 0);
}
