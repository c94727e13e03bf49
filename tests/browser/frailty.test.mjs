// Browser tests of the frailty screen (#/frailty, ICOPE step 1): a real `vigie serve` with a
// temporary database and the standard users, Debian's chromium driven headless by
// playwright-core. One TAP point per scenario; screenshots go to the artefacts directory.
//
//   node tests/browser/frailty.test.mjs VIGIE_BINARY WEB_DIR ARTIFACTS_DIR
//
// Screenings are dated today (the form's default) or on fixed past days; every wait is for
// something on the page, never for the clock.

import { startServer, PASSWORD } from './server.mjs';
import { screening } from './fhir.mjs';
import { check, launchChromium, pageKit, runProgram, signIn } from './harness.mjs';

const [vigie, web, artifacts] = process.argv.slice(2);
const STEP_TIMEOUT = 90000;
const scenarios = [];
const scenario = (name, fn) => scenarios.push({ name, fn });

let server;
const kit = pageKit(artifacts);
const { pages } = kit;
const newPage = kit.newPage;
const shot = kit.shot;
const login = (page, user) => signIn(page, server.base, user, PASSWORD);

async function api(user, method, path, body, expected) {
  const r = await server.call(method, path, { token: await server.tokenOf(user), body });
  check(expected.includes(r.status), `${method} ${path}: ${r.status} ${r.text.slice(0, 300)}`);
  return r;
}

// Presses Tab until the element matching `selector` has the focus (the keyboard reaches it).
async function tabTo(page, selector, max = 60) {
  for (let i = 0; i < max; i++) {
    if (await page.evaluate((s) => Boolean(document.activeElement && document.activeElement.matches(s)), selector)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${selector}`);
}

// By keyboard: a yes/no question (Space takes "yes", the arrow moves to "no" and takes it),
// or a number typed in its field.
async function keyAnswer(page, key, value) {
  if (typeof value === 'boolean') {
    await tabTo(page, `#q-${key}-yes`);
    await page.keyboard.press(value ? 'Space' : 'ArrowRight');
    check(await page.isChecked(`#q-${key}-${value ? 'yes' : 'no'}`), `${key} answered ${value}`);
  } else {
    await tabTo(page, `#q-${key}`);
    await page.keyboard.type(String(value));
  }
}

// With the mouse: every domain negative unless `answers` says otherwise ({key: value}).
const NEGATIVE = {
  'cognition-orientation-time': true, 'cognition-orientation-place': true, 'cognition-recall': '3',
  'mobility-chair-rise-completed': true, 'mobility-chair-rise-seconds': '10,5',
  'nutrition-weight-loss': false, 'nutrition-appetite-loss': false, 'vision-eye-problems': false,
  'hearing-whisper-right': true, 'hearing-whisper-left': true, 'mood-feeling-down': false, 'mood-little-interest': false,
};
async function fillForm(page, answers = {}) {
  for (const [key, value] of Object.entries({ ...NEGATIVE, ...answers })) {
    if (typeof value === 'boolean') await page.check(`#q-${key}-${value ? 'yes' : 'no'}`);
    else if (await page.isVisible(`#q-${key}`)) await page.fill(`#q-${key}`, value);
  }
}

const formReady = (page) => page.waitForSelector('.icope-domains #q-mood-little-interest-no');
const submit = (page) => page.click('.frailty-form button[type=submit]');

// ---- Scenarios --------------------------------------------------------------------------

scenario('the registry and the patients: p-f1 enrolled since 1 May 2025 and p-f2 today, never screened; p-old screened in January 2025', async () => {
  await api('admin', 'POST', '/api/territories', { id: 'T01', name: "Pays d'Ouche", region: '28', communes: ['27229'], quota: 20 }, [201]);
  await api('admin', 'POST', '/api/territories', { id: 'T02', name: 'Paris 20e', region: '11', communes: ['75120'], quota: 10 }, [201]);
  for (const [id, birthDate] of [['p-f1', '1944-02-02'], ['p-f2', '1950-06-30'], ['p-old', '1938-11-11'], ['p-young', '1990-01-01']]) {
    await api('nurse1', 'PUT', `/fhir/Patient/${id}`, { resourceType: 'Patient', id, birthDate }, [201]);
  }
  await api('nurse1', 'POST', '/api/territories/T01/patients', { patient: 'p-f1', start: '2025-05-01' }, [201]);
  await api('nurse1', 'POST', '/api/territories/T01/patients', { patient: 'p-f2' }, [201]);
  await api('nurse1', 'POST', '/api/territories/T01/patients', { patient: 'p-old', start: '2024-12-01' }, [201]);
  await api('nurse1', 'POST', '/fhir/QuestionnaireResponse', screening('p-old', '2025-01-15T10:00:00+01:00'), [201]);
});

scenario('a nurse opens Fragilité from the navigation: figures, and the overdue worklist most overdue first with the never screened marked', async () => {
  const page = await newPage('nurse1');
  await login(page, 'nurse1');
  await page.click('#nav a[href="#/frailty"]');
  await page.waitForSelector('#worklist');
  check((await page.textContent('#frailty-title')).includes('Fragilité — territoire T01'), 'French title');
  await page.waitForSelector('[data-figure=overdue]');
  const fig = async (name) => (await page.textContent(`[data-figure=${name}] .figure-value`)).trim();
  check(await fig('screened') === '1', `screened ${await fig('screened')}`);
  check(await fig('never_screened') === '2', `never screened ${await fig('never_screened')}`);
  check(await fig('overdue') === '2', `overdue ${await fig('overdue')}`);
  const rows = await page.$$eval('#worklist tbody tr', (trs) => trs.map((tr) => [tr.dataset.patient, tr.dataset.never]));
  check(JSON.stringify(rows) === JSON.stringify([['p-f1', 'true'], ['p-old', 'false']]), `worklist ${JSON.stringify(rows)}`);
  check((await page.textContent('#worklist tr[data-patient=p-f1]')).includes('Jamais repéré'), 'never screened in words');
  check((await page.textContent('#worklist tr[data-patient=p-f1]')).includes('1 mai 2025'), 'due from the enrolment');
  check((await page.textContent('#worklist tr[data-patient=p-old]')).includes('15 juil. 2025'), 'due 6 months after a negative screening');
  await shot(page, 'overview');
});

scenario('keyboard only: from the worklist to the form, a positive screening (chair rises 15,2 s), the result, the case it opened, the queue', async () => {
  const page = pages.nurse1;
  await page.keyboard.press('q');
  await page.waitForSelector('.queue-view');
  await page.keyboard.press('f');
  await page.waitForSelector('#worklist');
  await page.keyboard.press('j');
  check(await page.evaluate(() => document.activeElement.textContent) === 'p-f1', 'j moves to the first line');
  await page.keyboard.press('Enter');
  await formReady(page);
  check(await page.inputValue('#fr-patient') === 'p-f1', 'the line opens the patient\'s form');
  await page.waitForSelector('.previous:has-text("Pas encore de repérage")');
  check(await page.evaluate(() => document.activeElement.id) === 'frailty-form-title', 'the focus is on the title');
  await keyAnswer(page, 'cognition-orientation-time', true);
  await keyAnswer(page, 'cognition-orientation-place', true);
  await keyAnswer(page, 'cognition-recall', 3);
  await keyAnswer(page, 'mobility-chair-rise-completed', true);
  await keyAnswer(page, 'mobility-chair-rise-seconds', '15,2');
  await keyAnswer(page, 'nutrition-weight-loss', false);
  await keyAnswer(page, 'nutrition-appetite-loss', false);
  await keyAnswer(page, 'vision-eye-problems', false);
  await keyAnswer(page, 'hearing-whisper-right', true);
  await keyAnswer(page, 'hearing-whisper-left', true);
  await keyAnswer(page, 'mood-feeling-down', false);
  await keyAnswer(page, 'mood-little-interest', false);
  await tabTo(page, '.frailty-form button[type=submit]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.frailty-result');
  check(await page.evaluate(() => document.activeElement.id) === 'result-title', 'the focus moves to the result');
  check(await page.getAttribute('#result-table tr[data-domain=mobility]', 'data-positive') === 'true', 'mobility positive');
  check((await page.textContent('#result-table tr[data-domain=mobility]')).includes('15.2 s (> 14 s)'), 'the reason with the value');
  for (const d of ['cognition', 'nutrition', 'vision', 'hearing', 'mood']) {
    check(await page.getAttribute(`#result-table tr[data-domain=${d}]`, 'data-positive') === 'false', `${d} negative`);
  }
  check((await page.textContent('.frailty-result .decline')).includes('Premier repérage'), 'first screening: nothing to compare');
  check((await page.textContent('.next-due')).includes('(4 mois)'), 'next due 4 months after a positive screening');
  check((await page.textContent('#frailty-case-link')).includes('frailty: domain mobility'), 'the case is named');
  await shot(page, 'result-positive');
  await tabTo(page, '#frailty-case-link');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.case-view .item-event');
  check((await page.textContent('.case-view')).includes('Fragilité (ICOPE)'), 'the case holds the frailty event');
  check((await page.textContent('.case-view .frailty-detail')).includes('Mobilité : five chair rises in 15.2 s'), 'the positive domain in words');
  check(await page.$('.case-view a[href="#/frailty/screen/p-f1"]'), 'the way back to the patient\'s screenings');
  await shot(page, 'case-frailty');
  await page.keyboard.press('Escape');
  const row = await page.waitForSelector('.case-row[data-category="3"]:has-text("p-f1")');
  check((await row.textContent()).includes('frailty: domain mobility'), 'the case is in the queue');
  await shot(page, 'queue-frailty-case');
});

scenario('field errors on the page: every missing answer named at its field, numbers checked, the chair-rise time only when the rises were done', async () => {
  const page = pages.nurse1;
  await page.goto(`${server.base}/#/frailty/screen`);
  await formReady(page);
  await submit(page);
  await page.waitForSelector('.frailty-form .form-message.error');
  check((await page.textContent('.frailty-form .form-message')).includes('12'), `count: ${await page.textContent('.frailty-form .form-message')}`);
  check((await page.textContent('#fr-patient-error')).includes('Indiquez l’identifiant'), 'the patient is asked for');
  check(await page.getAttribute('#fr-patient', 'aria-invalid') === 'true', 'the patient field is marked');
  check((await page.textContent('#q-cognition-orientation-time-error')).includes('Répondez oui ou non'), 'a yes/no question');
  check((await page.textContent('#q-cognition-recall-error')).includes('Indiquez une valeur'), 'a number');
  check(!(await page.isVisible('#q-mobility-chair-rise-seconds')), 'no chair-rise time before the rises are answered');
  check(!(await page.isVisible('#q-nutrition-weight-loss-kg-error')), 'an optional question is not required');
  check(await page.evaluate(() => document.activeElement.id) === 'fr-patient', 'the focus goes to the first wrong field');
  await shot(page, 'form-errors');
  await page.fill('#fr-patient', 'p f2!');
  await fillForm(page, { 'cognition-recall': '5', 'mobility-chair-rise-seconds': 'vite', 'nutrition-weight-loss-kg': '2.5.1' });
  await submit(page);
  await page.waitForSelector('#q-cognition-recall-error:not([hidden])');
  check((await page.textContent('#fr-patient-error')).includes('Identifiant invalide'), 'a malformed identifier');
  check((await page.textContent('#q-cognition-recall-error')).includes('entre 0 et 3'), `range: ${await page.textContent('#q-cognition-recall-error')}`);
  check((await page.textContent('#q-mobility-chair-rise-seconds-error')).includes('Saisissez un nombre'), 'not a number');
  check((await page.textContent('#q-nutrition-weight-loss-kg-error')).includes('Saisissez un nombre'), 'an optional number is checked when given');
  check((await page.textContent('#q-cognition-orientation-time-error')) === '', 'an answered question is no longer marked');
  // chair rises not done: the time disappears, and its error with it
  await page.check('#q-mobility-chair-rise-completed-no');
  check(!(await page.isVisible('#q-mobility-chair-rise-seconds')), 'the time is hidden when the rises were not done');
  await page.fill('#q-cognition-recall', '2');
  await page.dispatchEvent('#q-cognition-recall', 'change');
  await page.waitForSelector('#q-cognition-recall-error', { state: 'hidden' });
  check(await page.getAttribute('#q-cognition-recall', 'aria-invalid') === null, 'the corrected field is no longer marked');
  await shot(page, 'form-errors-fixed');
});

scenario('the server\'s refusals shown at the field they name: too young, unknown patient, an answer out of range', async () => {
  const page = pages.nurse1;
  await page.goto(`${server.base}/#/frailty/screen/p-young`);
  await formReady(page);
  await fillForm(page);
  await submit(page);
  await page.waitForSelector('#fr-patient-error:not([hidden])');
  check(/60 and over.*was 3\d/.test(await page.textContent('#fr-patient-error')), `under 60: ${await page.textContent('#fr-patient-error')}`);
  check((await page.textContent('.frailty-form .form-message')).includes('refusé'), 'the form says the server refused');
  check(await page.evaluate(() => document.activeElement.id) === 'fr-patient', 'the focus goes to the field named');
  await page.fill('#fr-patient', 'p-nobody');
  await submit(page);
  await page.waitForSelector('#fr-patient-error:has-text("not known")');
  await page.fill('#fr-patient', 'p-f2');
  // what the page would not send: an answer out of range reaches the server, which names it
  await page.route('**/fhir/QuestionnaireResponse', async (route) => {
    const body = JSON.parse(route.request().postData());
    body.item[0].item.find((i) => i.linkId === 'cognition.recall').answer = [{ valueInteger: 7 }];
    await route.continue({ postData: JSON.stringify(body) });
  });
  await submit(page);
  await page.waitForSelector('#q-cognition-recall-error:not([hidden])');
  check((await page.textContent('#q-cognition-recall-error')).includes('7 is out of range (0 to 3)'), `server message: ${await page.textContent('#q-cognition-recall-error')}`);
  check(await page.getAttribute('#q-cognition-recall', 'aria-invalid') === 'true', 'the field is marked');
  check(await page.evaluate(() => document.activeElement.id) === 'q-cognition-recall', 'the focus goes to it');
  await page.unroute('**/fhir/QuestionnaireResponse');
  await shot(page, 'server-refusal');
});

scenario('a decline since the previous screening: newly positive domains and what got worse, with the case', async () => {
  const page = await newPage('coord1');
  await login(page, 'coord1');
  await page.goto(`${server.base}/#/frailty`);
  await page.waitForSelector('#worklist tr[data-patient=p-old]');
  check(!(await page.$('#worklist tr[data-patient=p-f1]')), 'p-f1, screened today, left the worklist');
  await page.click('#worklist tr[data-patient=p-old] a');
  await formReady(page);
  await page.waitForSelector('.previous:has-text("15 janv. 2025")');
  await fillForm(page, { 'mobility-chair-rise-completed': false, 'nutrition-appetite-loss': true });
  await submit(page);
  await page.waitForSelector('.frailty-result');
  for (const d of ['mobility', 'nutrition']) {
    const text = await page.textContent(`#result-table tr[data-domain=${d}]`);
    check(text.includes('Positif') && text.includes('Nouvellement positif'), `${d}: ${text}`);
  }
  const decline = await page.textContent('.frailty-result .decline');
  check(decline.includes('15 janv. 2025') && decline.includes('chair rises: 11 s before, now unable'), `decline: ${decline}`);
  check((await page.textContent('#frailty-case-link')).includes('mobility, nutrition'), 'the case names both domains');
  await shot(page, 'result-decline');
});

scenario('English: the form in the Questionnaire\'s English, a negative screening, no case, next due in 6 months', async () => {
  const page = pages.nurse1;
  await page.goto(`${server.base}/#/frailty/screen/p-f2`);
  await formReady(page);
  await page.click('#lang-button');
  await page.waitForFunction(() => document.querySelector('#frailty-form-title') && document.querySelector('#frailty-form-title').textContent === 'ICOPE step 1 screening');
  await formReady(page);
  check((await page.textContent('#g-mobility legend')).includes('Limited mobility'), 'group text in English');
  check((await page.textContent('label[for=q-cognition-recall]')).includes('Number of the three words recalled'), 'question text in English');
  check((await page.textContent('#q-vision-eye-problems')).includes('Yes'), 'yes and no in English');
  check(await page.inputValue('#fr-patient') === 'p-f2', 'the patient is kept');
  await fillForm(page, { 'mobility-chair-rise-seconds': '12.5' });
  await submit(page);
  await page.waitForSelector('.frailty-result');
  check((await page.textContent('.result-summary')).includes('No positive domain'), 'summary in English');
  check((await page.textContent('.frailty-case')).includes('No case'), 'no case');
  check((await page.textContent('.next-due')).includes('(6 months)'), 'next due in 6 months');
  await shot(page, 'result-english');
  await page.click('#frailty-again');
  await formReady(page);
  check(await page.inputValue('#fr-patient') === '', 'a new screening starts empty');
  await page.click('#lang-button');
  await page.waitForFunction(() => document.documentElement.lang === 'fr');
});

scenario('the territory after the screenings: figures by domain and an empty worklist', async () => {
  const page = pages.nurse1;
  await page.goto(`${server.base}/#/frailty`);
  await page.waitForSelector('.frailty-view .empty');
  check((await page.textContent('.frailty-view .empty')).includes('Aucun repérage en retard'), 'nothing overdue');
  const fig = async (name) => (await page.textContent(`[data-figure=${name}] .figure-value`)).trim();
  check(await fig('screened') === '3' && await fig('screenings') === '4', `screened ${await fig('screened')}, screenings ${await fig('screenings')}`);
  check(await fig('positive_any') === '2' && await fig('never_screened') === '0' && await fig('overdue') === '0', 'positive, never screened, overdue');
  const label = await page.getAttribute('#frailty-positive svg', 'aria-label');
  check(/Mobilité 2/.test(label) && /Nutrition 1/.test(label) && /Cognition 0/.test(label), `by domain: ${label}`);
  await shot(page, 'overview-after');
});

scenario('a planner reads the figures without names; a coordinator of another territory sees none of T01', async () => {
  const planner = await newPage('planner1');
  await login(planner, 'planner1');
  await planner.click('#nav a[href="#/frailty"]');
  await planner.waitForSelector('[data-figure=screened]');
  check(!(await planner.$('#worklist')) && !(await planner.$('#frailty-new')), 'no worklist, no form');
  await planner.goto(`${server.base}/#/frailty/screen/p-f1`);
  await planner.waitForSelector('[data-figure=screened]');
  check(!(await planner.$('.frailty-form')), 'the form is not for planners');
  await shot(planner, 'planner');
  const other = await newPage('coord2');
  await login(other, 'coord2');
  await other.keyboard.press('f');
  await other.waitForSelector('.frailty-view[data-territory=T02] .empty');
  check((await other.textContent('[data-figure=screened] .figure-value')).trim() === '0', 'T02 has no screening');
  await other.goto(`${server.base}/#/frailty/territory/T01`);
  await other.waitForSelector('.frailty-view .form-message.error');
  check(/not known/.test(await other.textContent('.frailty-view')), 'T01 is not known to coord2');
});

scenario('a tablet: the form fits the width', async () => {
  const page = await newPage('tablet', { width: 820, height: 1180 });
  await login(page, 'nurse1');
  await page.goto(`${server.base}/#/frailty/screen`);
  await formReady(page);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, `no sideways scrolling (${overflow} px)`);
  await shot(page, 'tablet-form');
});

scenario('no script error nor refused resource in any page', async () => {
  check(!kit.errors.length, kit.errors.join('\n'));
});

scenario('the server stops cleanly (no sanitizer report)', async () => {
  await kit.browser.close();
  const { status, log } = await server.stop();
  server = null;
  check(status === 0, `vigie serve exited with ${status}:\n${log.split('\n').slice(-20).join('\n')}`);
});

runProgram(scenarios, {
  artifacts, pages, stepTimeout: STEP_TIMEOUT,
  async start() {
    if (!vigie || !web || !artifacts) throw new Error('usage: frailty.test.mjs VIGIE WEB_DIR ARTIFACTS_DIR');
    server = await startServer(vigie, web);
    kit.browser = await launchChromium();
  },
  async stop() {
    if (kit.browser) await kit.browser.close().catch(() => {});
    if (!server) return null;
    const { log } = await server.stop();
    server = null;
    return log;
  },
});
