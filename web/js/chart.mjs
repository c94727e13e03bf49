// The patient's timeline charts, in plain SVG: one chart per kind of measurement over 7, 30
// or 90 days, the thresholds in force drawn as lines (coloured by the category a crossing
// raises), the readings that fired a rule ringed. Each chart has a text summary for screen
// readers and its readings as a table under "Données".

import { h, svg } from './dom.mjs';
import { formatDateTime, formatDay, formatNumber, formatAgo, t } from './i18n.mjs';

export const CHART_KINDS = ['weight', 'blood_pressure', 'glucose', 'spo2', 'heart_rate', 'steps'];

const M = { left: 46, right: 10, top: 12, bottom: 28 };
const DAY = 86400000;
const MAX_DOTS = 400;
const MIN_SPAN = { weight: 4, blood_pressure: 60, glucose: 60, spo2: 8, heart_rate: 30, steps: 0 }; // beyond, the line alone (fired readings keep their ring)

const UNITS = { weight: 'kg', blood_pressure: 'mmHg', glucose: 'mg/dL', spo2: '%', heart_rate: '/min', steps: 'unit.steps_per_day' };

export function unitOf(kind) {
  const u = UNITS[kind] || '';
  return u.startsWith('unit.') ? t(u) : u;
}

// Round tick steps: 1, 2, 5 times a power of ten.
function niceStep(span, count) {
  const raw = span / Math.max(count, 1);
  const power = 10 ** Math.floor(Math.log10(raw));
  const f = raw / power;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * power;
}

// Thresholds of a kind from the timeline's `thresholds` object: horizontal lines (value,
// label, category raised) and bands (a target range).
export function thresholdsFor(kind, th) {
  const lines = [];
  const bands = [];
  const num = (k) => (th && typeof th[k] === 'number' ? th[k] : null);
  const add = (value, label, category) => { if (value !== null) lines.push({ value, label, category }); };
  if (kind === 'blood_pressure') {
    add(num('bp_systolic_high'), t('th.systolic_high', { v: num('bp_systolic_high') }), 2);
    add(num('bp_diastolic_high'), t('th.diastolic_high', { v: num('bp_diastolic_high') }), 2);
  } else if (kind === 'glucose') {
    add(num('glucose_level2_below'), `< ${num('glucose_level2_below')}`, 1);
    add(num('glucose_level1_below'), `< ${num('glucose_level1_below')}`, 3);
    add(num('glucose_high_above'), `> ${num('glucose_high_above')}`, 2);
    add(num('glucose_very_high_above'), `> ${num('glucose_very_high_above')}`, 1);
  } else if (kind === 'spo2') {
    // NEWS2 gives 3 points (category 2 on its own) at <= 91 % on scale 1, <= 83 % on scale 2
    const scale2 = th && (th.spo2_scale === 2 || th.spo2_target === '88-92');
    if (scale2) {
      bands.push({ from: 88, to: 92, label: t('th.spo2_target', { v: '88–92' }) });
      add(83.5, t('th.news2_3', { v: '≤ 83' }), 2);
    } else {
      add(91.5, t('th.news2_3', { v: '≤ 91' }), 2);
    }
  } else if (kind === 'heart_rate') {
    // NEWS2's fixed bands: <= 40 or >= 131 /min score 3
    add(40.5, t('th.news2_3', { v: '≤ 40' }), 2);
    add(130.5, t('th.news2_3', { v: '≥ 131' }), 2);
  }
  return { lines, bands };
}

// The weight rule compares each day's mean with the lowest daily mean of the 3 days before
// (docs/triage.md): that bound plus the allowed gain, day by day, as a stepped line.
function weightLimit(points, gainKg) {
  if (typeof gainKg !== 'number') return [];
  const byDay = new Map();
  for (const p of points) {
    const day = Math.floor(p.t / DAY);
    const d = byDay.get(day) || { sum: 0, n: 0 };
    d.sum += p.v;
    d.n += 1;
    byDay.set(day, d);
  }
  const steps = [];
  for (const day of [...byDay.keys()].sort((a, b) => a - b)) {
    const before = [1, 2, 3].map((k) => byDay.get(day - k)).filter(Boolean).map((d) => d.sum / d.n);
    if (before.length) steps.push({ from: day * DAY, to: (day + 1) * DAY, value: Math.min(...before) + gainKg });
  }
  return steps;
}

// Day ticks far enough apart for their labels (about 60 px each).
function dayTicks(from, to, plotWidth) {
  const days = (to - from) / DAY;
  const wanted = Math.ceil((days * 60) / Math.max(plotWidth, 1));
  const every = [1, 2, 5, 7, 10, 15, 30, 45].find((n) => n >= wanted) || 90;
  const ticks = [];
  const first = Math.ceil(from / DAY) * DAY;
  for (let d = first, i = 0; d <= to; d += DAY, i++) if (i % every === 0) ticks.push(d);
  return { ticks, weekday: days <= 8 };
}

function latestLine(kind, last, now) {
  if (!last) return '';
  const v = kind === 'blood_pressure' ? `${formatNumber(last.v, 0)}/${formatNumber(last.v2, 0)}` : formatNumber(last.v, kind === 'weight' ? 1 : 0);
  return t('chart.latest', { v: `${v} ${unitOf(kind)}`, ago: formatAgo(last.t, now) });
}

function dataTable(kind, points, fired) {
  const rows = [...points].reverse().slice(0, 200);
  return h('details', { class: 'chart-data' },
    h('summary', {}, t('chart.data', { n: points.length })),
    h('table', {},
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('chart.when')), h('th', { scope: 'col' }, t('chart.value')), h('th', { scope: 'col' }, t('chart.fired')))),
      h('tbody', {}, rows.map((p) => h('tr', { class: fired.has(p.id) ? 'fired' : null },
        h('td', {}, formatDateTime(p.t)),
        h('td', {}, kind === 'blood_pressure' ? `${formatNumber(p.v, 0)}/${formatNumber(p.v2, 0)}` : formatNumber(p.v, 1), ' ', unitOf(kind)),
        h('td', {}, fired.has(p.id) ? t('chart.fired_yes') : ''))))));
}

// One chart. series: [{at, value, value2?, id}]; fired: Set of observation ids; from/to in
// ms; thresholds: the timeline's object (may be empty).
// width: the chart's width in CSS pixels (the SVG is drawn at that size, so that its text
// keeps the page's size on a laptop as on a tablet).
export function timelineChart({ kind, series, fired, from, thresholds, now, to: until, width = 600 }) {
  const W = Math.max(280, Math.round(width));
  const H = Math.round(Math.min(260, Math.max(180, W * 0.45)));
  const points = series.map((p) => ({ t: Date.parse(p.at), v: p.value, v2: p.value2, id: p.id }))
    .filter((p) => Number.isFinite(p.t) && typeof p.v === 'number' && p.t >= from)
    .sort((a, b) => a.t - b.t);
  // a reading a little ahead of the server's clock still shows
  const to = points.length ? Math.max(until, points[points.length - 1].t) : until;
  const titleId = `chart-${kind}-title`;
  const label = t(`kind.${kind}`);
  const { lines, bands } = thresholdsFor(kind, thresholds);
  const limit = kind === 'weight' ? weightLimit(points, thresholds && thresholds.weight_gain_kg) : [];
  const firedPoints = points.filter((p) => fired.has(p.id));
  const caption = h('figcaption', { id: titleId },
    h('span', { class: 'chart-name' }, label),
    h('span', { class: 'chart-latest' }, latestLine(kind, points[points.length - 1], now)));
  if (!points.length) return null;

  // y range: the readings, and the nearest threshold on each side (a far one would squash
  // the readings flat; every threshold is listed under the chart anyway)
  const values = points.flatMap((p) => (kind === 'blood_pressure' ? [p.v, p.v2] : [p.v])).filter((v) => typeof v === 'number');
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  const marks = [...lines.map((l) => l.value), ...bands.flatMap((b) => [b.from, b.to]), ...limit.map((s) => s.value)];
  const below = marks.filter((v) => v < lo).sort((a, b) => b - a)[0];
  const above = marks.filter((v) => v > hi).sort((a, b) => a - b)[0];
  if (below !== undefined && lo - below < Math.max(hi - lo, 10) * 1.5) lo = below;
  if (above !== undefined && above - hi < Math.max(hi - lo, 10) * 1.5) hi = above;
  // a least span per kind, so that a steady patient's small variations do not look like swings
  const span = MIN_SPAN[kind] || 0;
  if (hi - lo < span) { const mid = (hi + lo) / 2; lo = mid - span / 2; hi = mid + span / 2; }
  if (kind === 'steps') lo = 0;
  if (hi - lo < 1e-9) { lo -= 1; hi += 1; }
  const step = niceStep(hi - lo, 4);
  lo = Math.floor(lo / step) * step;
  hi = Math.ceil(hi / step) * step;
  if (kind === 'spo2') hi = Math.min(hi, 100);

  const x = (ms) => M.left + ((ms - from) / (to - from)) * (W - M.left - M.right);
  const y = (v) => M.top + (1 - (v - lo) / (hi - lo)) * (H - M.top - M.bottom);
  const inside = (v) => v >= lo && v <= hi;

  const grid = [];
  for (let v = lo; v <= hi + step / 2; v += step) {
    grid.push(svg('line', { class: 'grid', x1: M.left, x2: W - M.right, y1: y(v), y2: y(v) }));
    grid.push(svg('text', { class: 'tick', x: M.left - 6, y: y(v) + 4, 'text-anchor': 'end' }, formatNumber(v, step < 1 ? 1 : 0)));
  }
  const { ticks, weekday } = dayTicks(from, to, W - M.left - M.right);
  for (const d of ticks) {
    grid.push(svg('line', { class: 'grid grid-x', x1: x(d), x2: x(d), y1: M.top, y2: H - M.bottom }));
    grid.push(svg('text', { class: 'tick', x: x(d), y: H - M.bottom + 16, 'text-anchor': 'middle' }, formatDay(d, weekday)));
  }

  const decor = [];
  for (const b of bands) {
    const top = Math.min(b.to, hi);
    const bottom = Math.max(b.from, lo);
    if (top <= bottom) continue;
    decor.push(svg('rect', { class: 'band', x: M.left, width: W - M.left - M.right, y: y(top), height: y(bottom) - y(top) }));
    decor.push(svg('text', { class: 'band-label', x: M.left + 4, y: y(top) + 12 }, b.label));
  }
  // labels sit above their line at the right; one too close to another moves left of it
  const placed = [];
  const labelAt = (value, text) => {
    const width = text.length * 7;
    let right = W - M.right - 4;
    for (let moved = true; moved;) {
      moved = false;
      for (const p of placed) {
        if (Math.abs(p.y - y(value)) < 14 && right > p.right - p.width - 6 && right - width < p.right + 6) {
          right = p.right - p.width - 10;
          moved = true;
        }
      }
    }
    placed.push({ y: y(value), right, width });
    return right;
  };
  for (const l of lines) {
    if (!inside(l.value)) continue;
    decor.push(svg('line', { class: `threshold cat-${l.category}`, x1: M.left, x2: W - M.right, y1: y(l.value), y2: y(l.value) }));
    decor.push(svg('text', { class: `threshold-label cat-${l.category}`, x: labelAt(l.value, l.label), y: y(l.value) - 4, 'text-anchor': 'end' }, l.label));
  }
  if (limit.length) {
    const d = limit.filter((s) => inside(s.value)).map((s) => `M${x(Math.max(s.from, from))},${y(s.value)}H${x(Math.min(s.to, to))}`).join('');
    const last = limit.filter((s) => inside(s.value)).pop();
    if (d) decor.push(svg('path', { class: 'threshold cat-2 limit', d }));
    if (last) decor.push(svg('text', { class: 'threshold-label cat-2', x: W - M.right - 4, y: y(last.value) - 4, 'text-anchor': 'end' }, t('th.weight_gain', { v: formatNumber(thresholds.weight_gain_kg, 1) })));
  }

  const marksLayer = [];
  const dots = points.length <= MAX_DOTS;
  if (kind === 'steps') {
    const barWidth = Math.max(2, ((W - M.left - M.right) * DAY) / (to - from) * 0.6);
    for (const p of points) {
      marksLayer.push(svg('rect', { class: `bar${fired.has(p.id) ? ' fired' : ''}`, x: x(p.t) - barWidth / 2, width: barWidth, y: y(Math.max(p.v, lo)), height: Math.max(0, y(lo) - y(Math.max(p.v, lo))) },
        svg('title', {}, `${formatDateTime(p.t)} · ${formatNumber(p.v, 0)}`)));
    }
  } else {
    const path = (get) => points.filter((p) => typeof get(p) === 'number').map((p, i) => `${i ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(get(p)).toFixed(1)}`).join('');
    marksLayer.push(svg('path', { class: 'series', d: path((p) => p.v) }));
    if (kind === 'blood_pressure') marksLayer.push(svg('path', { class: 'series series-2', d: path((p) => p.v2) }));
    if (dots) {
      for (const p of points) {
        const text = kind === 'blood_pressure' ? `${formatNumber(p.v, 0)}/${formatNumber(p.v2, 0)}` : formatNumber(p.v, 1);
        marksLayer.push(svg('circle', { class: 'dot', cx: x(p.t), cy: y(p.v), r: 3 }, svg('title', {}, `${formatDateTime(p.t)} · ${text} ${unitOf(kind)}`)));
        if (kind === 'blood_pressure' && typeof p.v2 === 'number') marksLayer.push(svg('circle', { class: 'dot dot-2', cx: x(p.t), cy: y(p.v2), r: 3 }));
      }
    }
  }
  for (const p of firedPoints) {
    const ys = kind === 'blood_pressure' ? [p.v, p.v2] : kind === 'steps' ? [Math.max(p.v, lo)] : [p.v];
    for (const v of ys) if (typeof v === 'number') marksLayer.push(svg('circle', { class: 'fired-ring', cx: x(p.t), cy: y(v), r: 8, 'data-id': p.id }));
  }

  const summary = t('chart.summary', {
    kind: label, n: points.length, from: formatDateTime(from), to: formatDateTime(to),
    lo: formatNumber(Math.min(...values), 1), hi: formatNumber(Math.max(...values), 1), unit: unitOf(kind), fired: firedPoints.length,
  });
  const picture = svg('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img', 'aria-label': summary, class: 'chart-svg' },
    svg('g', { class: 'grid-layer' }, grid), svg('g', {}, decor), svg('g', {}, marksLayer));
  const legend = [];
  if (kind === 'blood_pressure') legend.push(h('span', { class: 'legend-line' }, t('chart.systolic')), h('span', { class: 'legend-line legend-2' }, t('chart.diastolic')));
  if (firedPoints.length) legend.push(h('span', { class: 'legend-fired' }, t('chart.fired_legend', { n: firedPoints.length })));
  const listed = [...lines.map((l) => l.label), ...bands.map((b) => b.label)];
  if (limit.length || (kind === 'weight' && thresholds && typeof thresholds.weight_gain_kg === 'number')) listed.push(t('th.weight_gain', { v: formatNumber(thresholds.weight_gain_kg, 1) }));
  return h('figure', { class: `chart chart-${kind}`, 'aria-labelledby': titleId, 'data-kind': kind, 'data-points': points.length, 'data-fired': firedPoints.length },
    caption, picture,
    h('div', { class: 'chart-legend' }, legend, listed.length ? h('span', { class: 'chart-thresholds' }, t('chart.thresholds', { list: listed.join(' · ') })) : null),
    dataTable(kind, points, fired));
}
