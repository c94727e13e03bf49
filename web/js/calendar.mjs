// The mobile-team rotation calendar (GET /api/rotations): one row per team across the
// horizon, its availability as a pale band and each stay as a block named by its
// territory; month ticks on top. The same stays as a table, and each territory's need
// against the days planned, for screen readers and for copying.

import { h, svg } from './dom.mjs';
import { formatNumber, formatPercent, getLang, t } from './i18n.mjs';

const W = 1000;
const LABEL = 150;
const ROW = 34;
const HEAD = 34;
const DAY_MS = 86400000;
const PALETTE = 8; // .terr-0 .. .terr-7 in console.css

const dayOf = (iso) => Math.round(Date.parse(`${iso}T00:00:00Z`) / DAY_MS);
const locale = () => (getLang() === 'fr' ? 'fr-FR' : 'en-GB');
const dateText = (iso) => new Intl.DateTimeFormat(locale(), { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${iso}T00:00:00Z`));
const monthText = (day) => new Intl.DateTimeFormat(locale(), { month: 'short', year: 'numeric', timeZone: 'UTC' }).format(new Date(day * DAY_MS));

// plan: the API's answer; names: Map territory id -> name
export function rotationCalendar(plan, names) {
  const first = dayOf(plan.horizon.from);
  const last = dayOf(plan.horizon.to);
  const days = last - first + 1;
  const dayW = (W - LABEL - 8) / days;
  const x = (day) => LABEL + (day - first) * dayW;
  const teams = plan.teams || [];
  const height = HEAD + teams.length * ROW + 6;
  const territoryIndex = new Map((plan.territories || []).map((tr, i) => [tr.id, i]));
  const nameOf = (id) => (names.get(id) ? `${names.get(id)} (${id})` : id);

  const ticks = [];
  const monthStarts = [];
  for (let d = first; d <= last; d++) if (d === first || new Date(d * DAY_MS).getUTCDate() === 1) monthStarts.push(d);
  monthStarts.forEach((d, i) => {
    // the horizon's first day is labelled only when its month has room before the next
    const room = (i + 1 < monthStarts.length ? x(monthStarts[i + 1]) : W) - x(d);
    ticks.push(svg('g', { class: 'cal-tick' },
      svg('line', { x1: x(d), x2: x(d), y1: HEAD - 8, y2: height }),
      room > 70 ? svg('text', { x: x(d) + 3, y: HEAD - 14 }, monthText(d)) : null));
  });
  const rows = teams.map((team, k) => {
    const y = HEAD + k * ROW;
    const windows = (team.windows || []).map((w) => {
      const a = Math.max(dayOf(w.from), first);
      const b = Math.min(dayOf(w.to), last);
      return b < a ? null : svg('rect', { class: 'cal-available', x: x(a), y: y + 4, width: (b - a + 1) * dayW, height: ROW - 8 });
    });
    const stays = (plan.stays || []).filter((s) => s.team === team.id).map((s) => {
      const a = dayOf(s.start);
      const w = (dayOf(s.end) - a + 1) * dayW;
      const text = `${team.id} · ${nameOf(s.territory)} · ${dateText(s.start)} → ${dateText(s.end)} (${t('diag.days', { n: s.days })})`;
      return svg('g', { class: `cal-stay terr-${(territoryIndex.get(s.territory) || 0) % PALETTE}`, 'data-territory': s.territory },
        svg('rect', { x: x(a), y: y + 7, width: w, height: ROW - 14, rx: 3 }),
        // the name when it fits (about 7 units a character at 12 px), else the tooltip and tables
        w > s.territory.length * 7 + 8 ? svg('text', { x: x(a) + 4, y: y + ROW / 2 + 4 }, s.territory) : null,
        svg('title', {}, text));
    });
    return svg('g', { class: 'cal-row', 'data-team': team.id },
      svg('text', { class: 'cal-team', x: 6, y: y + ROW / 2 + 4 }, team.id),
      svg('line', { class: 'cal-rule', x1: 0, x2: W, y1: y + ROW, y2: y + ROW }), windows, stays);
  });
  const summary = t('diag.cal_summary', { stays: (plan.stays || []).length, teams: teams.length, from: dateText(plan.horizon.from), to: dateText(plan.horizon.to) });
  const legend = h('ul', { class: 'cal-legend' }, (plan.territories || []).map((tr, i) => h('li', {},
    h('span', { class: `swatch terr-${i % PALETTE}`, 'aria-hidden': 'true' }), nameOf(tr.id))));

  const stayTable = h('table', { class: 'data-table', id: 'rotation-table' },
    h('caption', {}, t('diag.stays')),
    h('thead', {}, h('tr', {}, ['diag.team', 'diag.territory', 'diag.start', 'diag.end', 'diag.length'].map((k) => h('th', { scope: 'col' }, t(k))))),
    h('tbody', {}, (plan.stays || []).map((s) => h('tr', { 'data-team': s.team, 'data-territory': s.territory },
      h('th', { scope: 'row' }, s.team), h('td', {}, nameOf(s.territory)), h('td', {}, dateText(s.start)),
      h('td', {}, dateText(s.end)), h('td', { class: 'num' }, t('diag.days', { n: s.days }))))));
  const needTable = h('table', { class: 'data-table', id: 'need-table' },
    h('caption', {}, t('diag.need_title')),
    h('thead', {}, h('tr', {}, ['diag.territory', 'diag.deficit', 'diag.open_cases', 'diag.need', 'diag.target', 'diag.planned'].map((k) => h('th', { scope: 'col' }, t(k))))),
    h('tbody', {}, (plan.territories || []).map((tr) => h('tr', { 'data-territory': tr.id },
      h('th', { scope: 'row' }, nameOf(tr.id)), h('td', { class: 'num' }, formatNumber(tr.deficit, 0)),
      h('td', { class: 'num' }, formatNumber(tr.open_cases, 0)), h('td', { class: 'num' }, formatPercent(tr.need_share)),
      h('td', { class: 'num' }, t('diag.days', { n: formatNumber(tr.target_days, 1) })),
      h('td', { class: 'num' }, t('diag.days', { n: formatNumber(tr.planned_days, 0) }))))));

  return h('div', { class: 'calendar' },
    h('figure', { class: 'cal-figure' },
      h('figcaption', {}, summary),
      svg('svg', { class: 'cal-svg', viewBox: `0 0 ${W} ${height}`, role: 'img', 'aria-label': summary },
        svg('rect', { class: 'cal-bg', x: LABEL, y: HEAD - 8, width: W - LABEL - 8, height: height - HEAD + 8 }), ticks, rows),
      legend),
    stayTable,
    needTable);
}
