// Shared by the browser test programs: Debian's chromium through playwright-core, and the
// TAP loop over scenarios (one point each, a time limit each, screenshots of every open
// page when one fails).

import { existsSync } from 'node:fs';
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
