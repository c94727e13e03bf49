// Frailty screening (WHO ICOPE step 1, docs/frailty.md):
//   #/frailty[/territory/ID]   the territory's figures (GET /api/frailty/figures) and, for
//                              clinicians, the overdue screenings, most overdue first, the
//                              never screened included (GET /api/frailty/worklist);
//   #/frailty/screen[/PATIENT] the form (icope.mjs), sent as a FHIR QuestionnaireResponse
//                              (POST /fhir/QuestionnaireResponse), then the result domain by
//                              domain with the decline, the next due date and the case opened
//                              (GET /api/frailty/patients/{id}).
// Coordinators and professionals screen; planners read the figures.

import { get, listFrom, me, request } from './api.mjs';
import { h, mount, moveFocus } from './dom.mjs';
import { formatCivilDay, formatNumber, t } from './i18n.mjs';
import { barChart } from './bars.mjs';
import { categoryBadge, stateText } from './labels.mjs';
import { errorText } from './case.mjs';
import { icopeForm, loadQuestionnaire, setFieldError } from './icope.mjs';

export const DOMAINS = ['cognition', 'mobility', 'nutrition', 'vision', 'hearing', 'mood'];
const PATIENT_ID = /^[A-Za-z0-9.-]{1,64}$/;
let lastTerritory = null; // the territory chosen, kept when coming back to the screen

const clinicalRole = (user) => user.role === 'coordinator' || user.role === 'professional';
const domainList = (list) => (list && list.length ? list.map((d) => t(`frailty.domain.${d}`)).join(', ') : t('frailty.none_positive'));
const bare = (reference) => String(reference || '').replace(/^Patient\//, '');

export function renderFrailty(main, ctx) {
  const [mode, arg] = ctx.params;
  if (mode === 'screen' && clinicalRole(me())) return renderScreening(main, arg || '', ctx);
  return renderOverview(main, mode === 'territory' ? arg : null, ctx);
}

// ---- The territory: figures and worklist -------------------------------------------------

function figure(label, value, id) {
  return h('div', { class: 'figure', 'data-figure': id }, h('span', { class: 'figure-value' }, formatNumber(value, 0)), h('span', { class: 'figure-label' }, label));
}

function figuresBlock(f) {
  return h('div', {},
    h('div', { class: 'figures' },
      figure(t('frailty.fig_screened'), f.screened, 'screened'),
      figure(t('frailty.fig_screenings'), f.screenings, 'screenings'),
      figure(t('frailty.fig_positive_any'), f.positive_any, 'positive_any'),
      figure(t('frailty.fig_never'), f.never_screened ?? 0, 'never_screened'),
      figure(t('frailty.fig_overdue'), f.overdue, 'overdue')),
    h('div', { class: 'bar-grid' }, barChart({
      id: 'frailty-positive', title: t('frailty.positive_by_domain'), columnLabel: t('chart.table'),
      bars: DOMAINS.map((d) => ({ label: t(`frailty.domain.${d}`), value: (f.positive || {})[d] || 0, text: formatNumber((f.positive || {})[d] || 0, 0) })),
    })));
}

function worklistBlock(answer) {
  const rows = listFrom(answer, ['overdue']);
  if (!rows.length) return h('p', { class: 'empty' }, t('frailty.worklist_empty'));
  return h('table', { class: 'data-table', id: 'worklist' },
    h('caption', { class: 'sr-only' }, t('frailty.worklist')),
    h('thead', {}, h('tr', {},
      ['frailty.col_patient', 'frailty.col_last', 'frailty.col_positive', 'frailty.col_due', 'frailty.col_late'].map((k) => h('th', { scope: 'col' }, t(k))))),
    h('tbody', {}, rows.map((r) => {
      const id = bare(r.patient);
      return h('tr', { 'data-patient': id, 'data-never': String(Boolean(r.never_screened)) },
        h('th', { scope: 'row' }, h('a', { class: 'worklist-link', href: `#/frailty/screen/${encodeURIComponent(id)}` }, id)),
        h('td', {}, r.never_screened ? h('span', { class: 'tag tag-never' }, t('frailty.never')) : formatCivilDay(r.last_screened)),
        h('td', {}, r.never_screened ? '–' : domainList(r.last_positive)),
        h('td', {}, formatCivilDay(r.due)),
        h('td', { class: 'num' }, t('frailty.days_late', { n: r.days_overdue })));
    })));
}

function renderOverview(main, requested, { navigate }) {
  const user = me();
  const clinical = clinicalRole(user);
  const territories = user.territories || [];
  const id = requested || (territories.includes(lastTerritory) ? lastTerritory : territories[0]);
  if (!id) {
    mount(main, h('section', { class: 'frailty-view' }, h('h1', { tabindex: '-1' }, t('frailty.title')), h('p', {}, t('territory.none'))));
    return { dispose() {} };
  }
  lastTerritory = id;
  const figures = h('div', { class: 'block', 'aria-busy': 'true' });
  const worklist = h('div', { class: 'block', 'aria-busy': 'true' });
  const picker = territories.length > 1
    ? h('div', { class: 'field inline' }, h('label', { for: 'frailty-territory' }, t('territory.pick')),
      h('select', { id: 'frailty-territory', onchange: (e) => navigate(`#/frailty/territory/${encodeURIComponent(e.target.value)}`) },
        territories.map((x) => h('option', { value: x, selected: x === id }, x))))
    : null;
  mount(main, h('section', { class: 'frailty-view', 'aria-labelledby': 'frailty-title', 'data-territory': id },
    h('div', { class: 'section-head' },
      h('h1', { id: 'frailty-title', tabindex: '-1' }, t('frailty.heading', { id })),
      picker,
      clinical ? h('a', { class: 'button primary', id: 'frailty-new', href: '#/frailty/screen', 'aria-keyshortcuts': 'n' }, t('frailty.new')) : null),
    h('p', { class: 'hint' }, t('frailty.intro')),
    h('section', { 'aria-labelledby': 'ff-title' }, h('h2', { id: 'ff-title' }, t('frailty.figures')), figures),
    h('section', { 'aria-labelledby': 'fw-title' },
      h('h2', { id: 'fw-title' }, t('frailty.worklist')),
      h('p', { class: 'hint' }, t(clinical ? 'frailty.worklist_hint' : 'frailty.planner_hint')),
      clinical ? worklist : null)));
  main.querySelector('#frailty-title').focus();

  const query = new URLSearchParams({ territory: id });
  get(`api/frailty/figures?${query}`)
    .then((f) => mount(figures, figuresBlock(f)))
    .catch((e) => mount(figures, h('p', { class: 'form-message error' }, errorText(e))))
    .finally(() => figures.removeAttribute('aria-busy'));
  if (clinical) {
    get(`api/frailty/worklist?${query}`)
      .then((w) => mount(worklist, worklistBlock(w)))
      .catch((e) => mount(worklist, h('p', { class: 'form-message error' }, errorText(e))))
      .finally(() => worklist.removeAttribute('aria-busy'));
  }

  const move = (delta) => moveFocus([...main.querySelectorAll('.worklist-link')], delta);

  return {
    onKey(event) {
      if (event.key === 'n' && clinical) { navigate('#/frailty/screen'); return true; }
      if (event.key === 'ArrowDown' || event.key === 'j') return move(1);
      if (event.key === 'ArrowUp' || event.key === 'k') return move(-1);
      if (event.key === 'Home') return move(-1e9);
      if (event.key === 'End') return move(1e9);
      return false;
    },
    dispose() {},
  };
}

// ---- The screening form and its result ---------------------------------------------------

const pad = (n) => String(n).padStart(2, '0');
const localDay = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;

// Now as a FHIR dateTime with the browser's offset: its date is the civil date where the
// screening is done (docs/frailty.md: the screening's date is the one written).
function localDateTime(d) {
  const offset = -d.getTimezoneOffset();
  const abs = Math.abs(offset);
  return `${localDay(d)}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${offset < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

// A plain field (patient, date) shaped as icope.mjs's, so that errors show the same way.
function plainField(label, input, help) {
  const error = h('p', { class: 'field-error', id: `${input.id}-error`, hidden: true });
  input.setAttribute('aria-describedby', `${input.id}-help ${input.id}-error`);
  const box = h('div', { class: 'field' }, h('label', { for: input.id }, label), input,
    h('small', { id: `${input.id}-help` }, help || ''), error);
  return { box, error, inputs: [input], help: box.querySelector('small') };
}

function previousText(result) {
  return t('frailty.previous', {
    date: formatCivilDay(result.screened),
    positive: result.positive && result.positive.length ? t('frailty.previous_positive', { list: domainList(result.positive) }) : t('frailty.previous_negative'),
    due: formatCivilDay(result.next_due),
  });
}

function resultBlock(result, patient, navigate) {
  const decline = result.decline || null;
  const positive = result.positive || [];
  const change = (d) => {
    if (!decline) return '–';
    if ((decline.newly_positive || []).includes(d)) return h('strong', { class: 'change-worse' }, t('frailty.newly_positive'));
    if ((decline.resolved || []).includes(d)) return t('frailty.resolved');
    return t('frailty.unchanged');
  };
  const months = positive.length ? 4 : 6;
  let caseLine;
  if (result.case) {
    caseLine = h('p', { class: 'frailty-case' }, t('frailty.case_open'), ' ',
      h('a', { href: `#/case/${result.case.id}`, id: 'frailty-case-link' }, categoryBadge(result.case.category), ' ', result.case.title),
      ' · ', h('span', { class: 'state' }, stateText(result.case)));
  } else {
    caseLine = h('p', { class: 'frailty-case hint' }, t(positive.length ? 'frailty.case_closed' : 'frailty.no_case'));
  }
  return h('section', { class: 'frailty-result', 'aria-labelledby': 'result-title', 'data-patient': patient },
    h('h2', { id: 'result-title', tabindex: '-1' }, t('frailty.result_title', { patient, date: formatCivilDay(result.screened) })),
    h('p', { class: ['result-summary', positive.length ? 'positive' : 'negative'] },
      positive.length ? t('frailty.summary_positive', { list: domainList(positive) }) : t('frailty.summary_negative')),
    result.age !== undefined ? h('p', { class: 'hint' }, t('frailty.age', { age: result.age })) : null,
    h('table', { class: 'data-table', id: 'result-table' },
      h('caption', { class: 'sr-only' }, t('frailty.result_caption')),
      h('thead', {}, h('tr', {},
        ['frailty.col_domain', 'frailty.col_result', 'frailty.col_detail', 'frailty.col_change'].map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', {}, DOMAINS.map((d) => {
        const r = (result.domains || {})[d] || {};
        return h('tr', { 'data-domain': d, 'data-positive': String(Boolean(r.positive)) },
          h('th', { scope: 'row' }, t(`frailty.domain.${d}`)),
          h('td', {}, h('span', { class: ['tag', r.positive ? 'tag-positive' : 'tag-negative'] }, t(r.positive ? 'frailty.positive' : 'frailty.negative'))),
          h('td', {}, r.reason || ''),
          h('td', {}, change(d)));
      }))),
    decline
      ? (decline.worsened && decline.worsened.length
        ? h('div', { class: 'decline' }, h('p', {}, t('frailty.decline_since', { date: formatCivilDay(decline.since) })),
          h('ul', {}, decline.worsened.map((w) => h('li', {}, w))))
        : h('p', { class: 'decline' }, t('frailty.no_decline', { date: formatCivilDay(decline.since) })))
      : h('p', { class: 'decline hint' }, t('frailty.first_screening')),
    h('p', { class: 'next-due' }, t('frailty.next_due', { date: formatCivilDay(result.next_due), months })),
    caseLine,
    h('div', { class: 'buttons' },
      // the same address as the form's when it was opened without a patient: navigate()
      h('button', { type: 'button', class: 'primary', id: 'frailty-again', onclick: () => navigate('#/frailty/screen') }, t('frailty.new')),
      h('a', { class: 'button', href: '#/frailty' }, t('frailty.to_list'))));
}

function renderScreening(main, patientParam, { navigate, status }) {
  const user = me();
  let disposed = false;
  const today = localDay(new Date());
  const patientInput = h('input', { id: 'fr-patient', type: 'text', autocomplete: 'off', list: 'fr-patients', spellcheck: 'false', value: patientParam });
  const dateInput = h('input', { id: 'fr-date', type: 'date', max: today, value: today });
  const patient = plainField(t('frailty.patient'), patientInput, t('frailty.patient_help'));
  const date = plainField(t('frailty.date'), dateInput, '');
  const datalist = h('datalist', { id: 'fr-patients' });
  const previous = h('p', { class: 'previous hint', 'aria-live': 'polite' });
  const message = h('div', { class: 'form-message', role: 'alert' });
  const domains = h('div', { 'aria-busy': 'true' }, h('p', { class: 'hint' }, t('common.loading')));
  const submitButton = h('button', { type: 'submit', class: 'primary', disabled: true }, t('frailty.submit'));
  const result = h('div', { class: 'result-host' });
  let form = null; // icope.mjs's form once the Questionnaire is there

  const formEl = h('form', { class: 'frailty-form', novalidate: true, onsubmit: submit },
    h('div', { class: 'frailty-who' }, patient.box, date.box), datalist, previous,
    domains,
    h('div', { class: 'buttons' }, submitButton),
    message);

  mount(main, h('section', { class: 'frailty-view', 'aria-labelledby': 'frailty-form-title' },
    h('p', { class: 'back' }, h('a', { href: '#/frailty' }, t('frailty.back'))),
    h('h1', { id: 'frailty-form-title', tabindex: '-1' }, t('frailty.form_title')),
    h('p', { class: 'hint' }, t('frailty.form_intro')),
    formEl, result));
  main.querySelector('#frailty-form-title').focus();

  function say(content, isError) {
    mount(message, content);
    message.classList.toggle('error', Boolean(isError));
  }

  // The patients of the caller's territories, for the list under the field.
  Promise.all((user.territories || []).map((tid) => get(`api/territories/${encodeURIComponent(tid)}/patients`).catch(() => null)))
    .then((answers) => {
      const ids = [...new Set(answers.flatMap((a) => listFrom(a, ['patients']).map((p) => p.patient || p.id)).filter(Boolean))].sort();
      mount(datalist, ids.map((p) => h('option', { value: p })));
    });

  loadQuestionnaire().then((q) => {
    if (disposed) return;
    form = icopeForm(q);
    mount(domains, form.element);
    domains.removeAttribute('aria-busy');
    submitButton.disabled = false;
  }).catch((e) => {
    mount(domains, h('p', { class: 'form-message error', id: 'questionnaire-error' }, t('frailty.questionnaire_error', { message: errorText(e) })));
    domains.removeAttribute('aria-busy');
  });

  // The patient's latest screening, as a reminder before a new one.
  let shownFor = null;
  async function showPrevious() {
    const id = patientInput.value.trim();
    if (id === shownFor) return;
    shownFor = id;
    previous.textContent = '';
    if (!PATIENT_ID.test(id)) return;
    try {
      const r = await get(`api/frailty/patients/${encodeURIComponent(id)}`);
      if (shownFor === id) previous.textContent = previousText(r);
    } catch (e) {
      if (shownFor !== id) return;
      previous.textContent = e.status === 404 && /no frailty screening/.test(e.message) ? t('frailty.no_previous')
        : e.status === 404 ? t('frailty.unknown_patient') : '';
    }
  }
  patientInput.addEventListener('change', showPrevious);
  if (patientParam) showPrevious();

  function checkWho() {
    const wrong = [];
    const id = patientInput.value.trim();
    const pm = !id ? t('frailty.err_patient') : PATIENT_ID.test(id) ? null : t('frailty.err_patient_format');
    setFieldError(patient, pm);
    if (pm) wrong.push(patient);
    const d = dateInput.value;
    const dm = !d ? t('frailty.err_date') : d > localDay(new Date()) ? t('frailty.err_date_future') : null;
    setFieldError(date, dm);
    if (dm) wrong.push(date);
    return wrong;
  }

  function fieldOf(expression) {
    if (/^QuestionnaireResponse\.subject/.test(expression || '')) return patient;
    if (/^QuestionnaireResponse\.authored/.test(expression || '')) return date;
    return form.fieldOf(expression);
  }

  // The server's refusal: each issue at the field it names, the others in the message.
  function showRefusal(err) {
    const unplaced = [];
    let first = null;
    for (const issue of err.issues && err.issues.length ? err.issues : [{ message: errorText(err), expression: err.field }]) {
      const f = issue.expression ? fieldOf(issue.expression) : null;
      if (!f) { unplaced.push(issue.message); continue; }
      // two issues on one field: both are shown
      setFieldError(f, f.error.hidden ? issue.message : `${f.error.textContent} ${issue.message}`);
      first = first || f;
    }
    say(h('div', {}, first ? h('p', {}, t('frailty.err_server')) : null, unplaced.map((m) => h('p', {}, m))), true);
    const focusable = first && (first.inputs[0] || first.box.querySelector('input'));
    if (focusable) focusable.focus();
  }

  async function submit(e) {
    e.preventDefault();
    if (!form) return;
    say('');
    const wrong = [...checkWho(), ...form.check()];
    if (wrong.length) {
      say(t('frailty.err_count', { n: wrong.length }), true);
      wrong[0].inputs[0].focus();
      return;
    }
    const id = patientInput.value.trim();
    const q = await loadQuestionnaire();
    const body = {
      resourceType: 'QuestionnaireResponse',
      questionnaire: `${q.url}|${q.version}`,
      status: 'completed',
      subject: { reference: `Patient/${id}` },
      authored: dateInput.value === localDay(new Date()) ? localDateTime(new Date()) : dateInput.value,
      item: form.items(),
    };
    submitButton.disabled = true;
    try {
      await request('POST', 'fhir/QuestionnaireResponse', body);
    } catch (err) {
      if (err.status === 0 || !err.status) say(errorText(err), true);
      else showRefusal(err);
      return;
    } finally {
      submitButton.disabled = false;
    }
    status(t('frailty.saved', { patient: id }));
    try {
      const answer = await get(`api/frailty/patients/${encodeURIComponent(id)}`);
      if (disposed) return;
      formEl.hidden = true;
      mount(result, resultBlock(answer, id, navigate));
      result.querySelector('#result-title').focus();
    } catch (err) {
      // stored, but the result could not be read back: say so, not that it failed
      say(t('frailty.saved_no_result', { patient: id, message: errorText(err) }), true);
    }
  }

  return {
    onKey(event) {
      if (event.key === 'Escape') { navigate('#/frailty'); return true; }
      return false;
    },
    dispose() { disposed = true; },
  };
}
