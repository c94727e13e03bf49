// The territory view: its enrolled patients, its open cases and its evaluation figures
// (GET /api/evaluation) as charts: alerts per patient-month and time to claim and to close
// by category, outcomes of closed cases.

import { get, listFrom, me } from './api.mjs';
import { h, mount } from './dom.mjs';
import { formatDateTime, formatNumber, formatPercent, formatSeconds, t, tOr } from './i18n.mjs';
import { onChange, queue } from './live.mjs';
import { barChart } from './bars.mjs';
import { categoryBadge, deadlineEl, OUTCOMES, outcomeName, stateText } from './labels.mjs';
import { errorText } from './case.mjs';

const PERIODS = [30, 90, 365];
const DAY = 86400000;
let periodDays = 30;

function figure(label, value, id) {
  return h('div', { class: 'figure', 'data-figure': id }, h('span', { class: 'figure-value' }, value), h('span', { class: 'figure-label' }, label));
}

function evaluationBlock(ev) {
  const cats = ev.by_category || [];
  const figures = h('div', { class: 'figures' },
    figure(t('eval.patients'), formatNumber(ev.patients, 0), 'patients'),
    figure(t('eval.patient_months'), formatNumber(ev.patient_months, 1), 'patient_months'),
    figure(t('eval.closed'), formatNumber(ev.closed, 0), 'closed'),
    figure(t('eval.false_alarm_share'), formatPercent(ev.false_alarm_share), 'false_alarm_share'),
    figure(t('eval.emergency'), formatNumber(ev.emergency_referrals, 0), 'emergency_referrals'),
    figure(t('eval.past_deadline'), formatNumber(ev.past_deadline, 0), 'past_deadline'));
  const catLabel = (c) => `${c.category} · ${t(`category.${c.category}`)}`;
  return h('div', { class: 'evaluation' }, figures,
    h('div', { class: 'bar-grid' },
      barChart({ id: 'ev-alerts', title: t('eval.alerts_per_pm'), columnLabel: t('chart.table'),
        bars: cats.map((c) => ({ label: catLabel(c), value: c.alerts_per_patient_month, category: c.category, text: `${formatNumber(c.alerts_per_patient_month, 2)} (${c.alerts})` })) }),
      barChart({ id: 'ev-claim', title: t('eval.time_to_claim'), columnLabel: t('chart.table'),
        bars: cats.map((c) => ({ label: catLabel(c), value: c.median_time_to_claim_s, category: c.category, text: formatSeconds(c.median_time_to_claim_s) })) }),
      barChart({ id: 'ev-close', title: t('eval.time_to_close'), columnLabel: t('chart.table'),
        bars: cats.map((c) => ({ label: catLabel(c), value: c.median_time_to_close_s, category: c.category, text: formatSeconds(c.median_time_to_close_s) })) }),
      barChart({ id: 'ev-outcomes', title: t('eval.outcomes'), columnLabel: t('chart.table'),
        bars: OUTCOMES.map((o) => ({ label: outcomeName(o), value: (ev.outcomes || {})[o] || 0, text: formatNumber((ev.outcomes || {})[o] || 0, 0) })) })));
}

function patientsBlock(answer) {
  const rows = listFrom(answer, ['patients', 'enrolments', 'enrolled']);
  if (!rows.length) return h('p', { class: 'empty' }, t('territory.no_patients'));
  const condition = (c) => (typeof c === 'string' ? tOr(`condition.${c}`, c) : c.display || tOr(`condition.${c.code}`, c.code));
  const expected = (e) => `${t(`kind.${e.kind}`)} ×${formatNumber(e.per_day, 1)}/${t('unit.day_letter')}`;
  return h('table', { class: 'patients-table' },
    h('caption', { class: 'sr-only' }, t('territory.patients')),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, t('territory.patient')),
      h('th', { scope: 'col' }, t('territory.conditions')),
      h('th', { scope: 'col' }, t('territory.expected')),
      h('th', { scope: 'col' }, t('territory.since')))),
    h('tbody', {}, rows.map((p) => h('tr', { 'data-patient': typeof p === 'string' ? p : p.patient || p.id },
      h('th', { scope: 'row' }, typeof p === 'string' ? p : p.patient || p.id),
      h('td', {}, (p.conditions || []).map(condition).join(', ')),
      h('td', {}, (p.expected || []).map(expected).join(', ')),
      h('td', {}, p.start ? formatDateTime(p.start) : '')))));
}

export function renderTerritory(main, { params, navigate }) {
  const user = me();
  const territories = user.territories || [];
  const id = params[0] || territories[0];
  const clinical = user.role === 'coordinator' || user.role === 'professional';
  const patients = h('div', { class: 'block', 'aria-busy': 'true' });
  const evaluation = h('div', { class: 'block', 'aria-busy': 'true' });
  const cases = h('div', { class: 'block' });

  if (!id) {
    mount(main, h('section', { class: 'territory-view' }, h('h1', { tabindex: '-1' }, t('territory.title')), h('p', {}, t('territory.none'))));
    return { dispose() {} };
  }

  const picker = territories.length > 1
    ? h('div', { class: 'field inline' }, h('label', { for: 'territory-pick' }, t('territory.pick')),
      h('select', { id: 'territory-pick', onchange: (e) => navigate(`#/territory/${encodeURIComponent(e.target.value)}`) },
        territories.map((x) => h('option', { value: x, selected: x === id }, x))))
    : null;
  const periodButtons = PERIODS.map((d) => h('button', { type: 'button', class: 'segment', 'aria-pressed': String(d === periodDays), onclick: () => { periodDays = d; for (const b of periodButtons) b.setAttribute('aria-pressed', String(b === periodButtons[PERIODS.indexOf(d)])); loadEvaluation(); } }, t('charts.days', { n: d })));

  function renderCases() {
    const list = queue().filter((c) => c.territory === id);
    if (!list.length) { mount(cases, h('p', { class: 'empty' }, t('territory.no_cases'))); return; }
    mount(cases, h('ul', { class: 'mini-cases' }, list.map((c) => h('li', {},
      h('a', { href: `#/case/${c.id}` }, categoryBadge(c.category), ' ', c.title, ' · ', c.patient),
      ' ', h('span', { class: 'state' }, stateText(c)), ' ', deadlineEl(c)))));
  }

  async function loadEvaluation() {
    evaluation.setAttribute('aria-busy', 'true');
    const to = new Date();
    const from = new Date(to.getTime() - periodDays * DAY);
    try {
      const ev = await get(`api/evaluation?${new URLSearchParams({ territory: id, from: from.toISOString(), to: to.toISOString() })}`);
      mount(evaluation, evaluationBlock(ev));
    } catch (e) {
      mount(evaluation, h('p', { class: 'form-message error' }, errorText(e)));
    }
    evaluation.removeAttribute('aria-busy');
  }

  mount(main, h('section', { class: 'territory-view', 'aria-labelledby': 'territory-title', 'data-territory': id },
    h('div', { class: 'section-head' }, h('h1', { id: 'territory-title', tabindex: '-1' }, t('territory.heading', { id })), picker),
    h('div', { class: 'territory-grid' },
      h('section', { 'aria-labelledby': 'tp-title' }, h('h2', { id: 'tp-title' }, t('territory.patients')), patients),
      clinical ? h('section', { 'aria-labelledby': 'tc-title' }, h('h2', { id: 'tc-title' }, t('territory.cases')), cases) : null),
    h('section', { 'aria-labelledby': 'te-title' },
      h('div', { class: 'section-head' }, h('h2', { id: 'te-title' }, t('territory.evaluation')),
        h('div', { class: 'segments', role: 'group', 'aria-label': t('charts.period') }, periodButtons)),
      evaluation)));
  main.querySelector('#territory-title').focus();
  const stop = clinical ? onChange(renderCases) : () => {};
  if (clinical) renderCases();
  loadEvaluation();
  get(`api/territories/${encodeURIComponent(id)}/patients`)
    .then((answer) => mount(patients, patientsBlock(answer)))
    .catch((e) => mount(patients, h('p', { class: 'hint' }, e.status === 404 || e.status === 405 ? t('territory.registry_missing') : errorText(e))))
    .finally(() => patients.removeAttribute('aria-busy'));
  return { dispose: stop };
}
