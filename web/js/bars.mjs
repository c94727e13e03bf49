// Horizontal bar charts in plain SVG for the evaluation figures, with the same figures as a
// table for screen readers and for copying.

import { h, svg } from './dom.mjs';
import { formatNumber } from './i18n.mjs';

const W = 520;
const ROW = 30;
const LABEL = 170;
const VALUE = 80;

// bars: [{label, value (number or null), text (shown), category (1-3, for the colour)}]
export function barChart({ id, title, bars, columnLabel }) {
  const max = Math.max(0, ...bars.map((b) => b.value || 0)) || 1;
  const height = bars.length * ROW + 8;
  const width = W - LABEL - VALUE;
  const rows = bars.map((b, i) => {
    const y = 4 + i * ROW;
    const w = b.value ? Math.max(2, (b.value / max) * width) : 0;
    return svg('g', { class: 'bar-row' },
      svg('text', { class: 'bar-label', x: LABEL - 8, y: y + ROW / 2 + 4, 'text-anchor': 'end' }, b.label),
      svg('rect', { class: ['bar', b.category ? `cat-${b.category}` : 'neutral'].join(' '), x: LABEL, y: y + 5, width: w, height: ROW - 10, rx: 3 }),
      svg('text', { class: 'bar-value', x: LABEL + w + 6, y: y + ROW / 2 + 4 }, b.text ?? formatNumber(b.value, 2)));
  });
  return h('figure', { class: 'bar-chart', 'aria-labelledby': `${id}-title`, id },
    h('figcaption', { id: `${id}-title` }, title),
    svg('svg', { viewBox: `0 0 ${W} ${height}`, role: 'img', 'aria-label': `${title}: ${bars.map((b) => `${b.label} ${b.text ?? formatNumber(b.value, 2)}`).join(', ')}`, class: 'bar-svg' }, rows),
    h('details', { class: 'chart-data' }, h('summary', {}, columnLabel),
      h('table', {}, h('tbody', {}, bars.map((b) => h('tr', {}, h('th', { scope: 'row' }, b.label), h('td', {}, b.text ?? formatNumber(b.value, 2))))))));
}
