// The case view's charts: the patient's timeline over 7, 30 or 90 days
// (GET /api/patients/{id}/timeline?days=N), one chart per kind of measurement.
//
// A server without the timeline endpoint still gets its charts: the case's own readings of
// the last 7 days ("recent"), the readings its events cite, and the default thresholds of
// docs/triage.md, said as such under the charts.

import { get } from './api.mjs';
import { h, mount } from './dom.mjs';
import { formatDateTime, t } from './i18n.mjs';
import { CHART_KINDS, timelineChart } from './chart.mjs';

const PERIODS = [7, 30, 90];
const DAY = 86400000;
const DEFAULT_THRESHOLDS = {
  bp_systolic_high: 180, bp_diastolic_high: 120, glucose_level2_below: 54, glucose_level1_below: 70,
  glucose_high_above: 300, glucose_very_high_above: 600, weight_gain_kg: 2, spo2_scale: 1,
};

function observationId(source) {
  const m = /^Observation\/([^/]+)/.exec(source || '');
  return m ? m[1] : null;
}

// The timeline as the case answer alone can give it.
function fromCase(data) {
  const series = {};
  for (const r of data.recent || []) (series[r.kind] = series[r.kind] || []).push(r);
  const fired = [];
  for (const item of data.items || []) {
    if (item.kind !== 'event' || item.withdrawn || !item.event) continue;
    for (const s of item.event.sources || []) { const id = observationId(s); if (id) fired.push(id); }
  }
  const to = Date.now();
  return { series, fired, thresholds: DEFAULT_THRESHOLDS, from: new Date(to - 7 * DAY).toISOString(), to: new Date(to).toISOString(), fallback: true };
}

// el: the section to fill; caseData(): the case view's latest answer.
export function chartsSection(el, caseData) {
  let days = 7;
  let generation = 0;
  const patient = caseData().case.patient;
  const note = h('p', { class: 'charts-note', role: 'status' });
  const grid = h('div', { class: 'charts-grid' });
  const periodButtons = PERIODS.map((d) => h('button', {
    type: 'button', class: 'segment', 'data-days': d, 'aria-pressed': String(d === days),
    'aria-keyshortcuts': String(d).charAt(0), onclick: () => setDays(d),
  }, t('charts.days', { n: d })));

  mount(el,
    h('div', { class: 'section-head' },
      h('h2', { id: 'charts-title' }, t('charts.title')),
      h('div', { class: 'segments', role: 'group', 'aria-label': t('charts.period') }, periodButtons)),
    note, grid);

  let shown = null; // the last timeline drawn, to draw again at another width
  let drawnWidth = 0;

  // The width of one chart: as many columns of at least 26rem as the grid holds.
  function chartWidth() {
    const total = grid.clientWidth || 600;
    const gap = 16;
    const min = 26 * 16;
    const columns = Math.max(1, Math.floor((total + gap) / (min + gap)));
    return Math.floor((total - gap * (columns - 1)) / columns) - 18; // figure padding, border
  }

  function draw(tl) {
    shown = tl;
    drawnWidth = chartWidth();
    const fired = new Set(tl.fired || []);
    const from = Date.parse(tl.from) || Date.now() - days * DAY;
    const to = Date.parse(tl.to) || Date.now();
    const now = Date.now();
    const figures = [];
    const empty = [];
    for (const kind of CHART_KINDS) {
      const fig = timelineChart({ kind, series: (tl.series && tl.series[kind]) || [], fired, from, to, thresholds: tl.thresholds || {}, now, width: drawnWidth });
      if (fig) figures.push(fig); else empty.push(t(`kind.${kind}`));
    }
    const notes = [];
    // a case raised by late data: its readings may lie before the period shown
    const clinical = (caseData().items || []).filter((i) => i.kind === 'event' && i.event && i.event.at).map((i) => Date.parse(i.event.at));
    if (clinical.length && Math.max(...clinical) < from) notes.push(t('charts.case_older', { at: formatDateTime(Math.max(...clinical)) }));
    if (tl.fallback) notes.push(t(days === 7 ? 'charts.fallback' : 'charts.fallback_days'));
    if (empty.length) notes.push(t('charts.empty', { list: empty.join(', '), n: days }));
    note.textContent = notes.join(' ');
    mount(grid, figures);
    grid.removeAttribute('aria-busy');
    grid.dataset.days = String(days);
  }

  if (window.ResizeObserver) {
    let timer = null;
    new ResizeObserver(() => {
      clearTimeout(timer);
      timer = setTimeout(() => { if (shown && Math.abs(chartWidth() - drawnWidth) > 24) draw(shown); }, 120);
    }).observe(grid);
  }

  async function load() {
    const mine = ++generation;
    grid.setAttribute('aria-busy', 'true');
    let tl;
    try {
      tl = await get(`api/patients/${encodeURIComponent(patient)}/timeline?days=${days}`);
    } catch (e) {
      if (e.status !== 404 && e.status !== 405) {
        if (mine === generation) { note.textContent = e.message; grid.removeAttribute('aria-busy'); }
        return;
      }
      tl = fromCase(caseData());
    }
    if (mine !== generation) return; // a newer period was asked meanwhile
    draw(tl);
  }

  function setDays(d) {
    days = d;
    for (const b of periodButtons) b.setAttribute('aria-pressed', String(Number(b.dataset.days) === d));
    load();
  }

  load();
  return {
    refresh: load,
    setDaysByKey(key) {
      const d = PERIODS.find((p) => String(p).charAt(0) === key);
      if (!d) return false;
      setDays(d);
      return true;
    },
  };
}
