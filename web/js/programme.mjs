// The programme view for planners: regions, then their territories, each with its
// enrolment against its quota and its patients by condition, from the registry
// (GET /api/programme, else GET /api/territories grouped by region).

import { get, listFrom, me } from './api.mjs';
import { h, mount, svg } from './dom.mjs';
import { formatNumber, formatPercent, t, tOr } from './i18n.mjs';
import { errorText } from './case.mjs';

// Conditions as {code: count} whatever the answer's form.
function conditionsOf(territory) {
  const raw = territory.by_condition || territory.conditions || {};
  if (Array.isArray(raw)) {
    const out = {};
    for (const c of raw) out[c.condition || c.code] = c.enrolled ?? c.count ?? 0;
    return out;
  }
  return raw;
}

// Regions with their territories, from either answer.
function regionsFrom(answer) {
  const regions = listFrom(answer, ['regions']);
  if (regions.length) return regions.map((r) => ({ ...r, code: r.code || r.region, name: r.name || '', territories: listFrom(r, ['territories']) }));
  const byRegion = new Map();
  for (const tr of listFrom(answer, ['territories'])) {
    const code = tr.region || '?';
    if (!byRegion.has(code)) byRegion.set(code, { code, name: tr.region_name || '', territories: [] });
    byRegion.get(code).territories.push(tr);
  }
  return [...byRegion.values()].sort((a, b) => String(a.code).localeCompare(String(b.code)));
}

function quotaBar(enrolled, quota) {
  const share = quota > 0 ? Math.min(enrolled / quota, 1) : 0;
  return svg('svg', { class: 'quota-bar', viewBox: '0 0 100 10', 'aria-hidden': 'true', preserveAspectRatio: 'none' },
    svg('rect', { class: 'quota-track', x: 0, y: 0, width: 100, height: 10, rx: 2 }),
    svg('rect', { class: ['quota-fill', enrolled >= quota && quota > 0 ? 'full' : ''].join(' '), x: 0, y: 0, width: share * 100, height: 10, rx: 2 }));
}

function regionTable(region) {
  // the region's totals as the server gives them, else summed here
  const totalEnrolled = region.enrolled ?? region.territories.reduce((s, x) => s + (x.enrolled || 0), 0);
  const totalQuota = region.quota !== undefined ? region.quota : region.territories.reduce((s, x) => s + (x.quota > 0 ? x.quota : 0), 0);
  return h('section', { class: 'region', 'aria-labelledby': `region-${region.code}`, 'data-region': region.code },
    h('h2', { id: `region-${region.code}` }, region.name ? `${region.name} (${region.code})` : t('programme.region', { code: region.code }),
      ' ', h('span', { class: 'region-total' }, totalQuota === null ? t('programme.enrolled_no_quota', { enrolled: totalEnrolled }) : t('programme.total', { enrolled: totalEnrolled, quota: totalQuota }))),
    h('table', { class: 'programme-table' },
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, t('programme.territory')),
        h('th', { scope: 'col' }, t('programme.enrolment')),
        h('th', { scope: 'col' }, t('programme.by_condition')))),
      h('tbody', {}, region.territories.map((tr) => {
        const quota = typeof tr.quota === 'number' && tr.quota >= 0 ? tr.quota : null;
        const enrolled = tr.enrolled || 0;
        const conditions = Object.entries(conditionsOf(tr)).sort((a, b) => b[1] - a[1]);
        return h('tr', { 'data-territory': tr.id },
          h('th', { scope: 'row' }, tr.name ? `${tr.name} (${tr.id})` : tr.id),
          h('td', { class: 'quota-cell' },
            h('span', {}, quota !== null ? t('programme.enrolled_of', { enrolled, quota, share: formatPercent(quota ? enrolled / quota : 0) }) : t('programme.enrolled_no_quota', { enrolled })),
            quota !== null ? quotaBar(enrolled, quota) : null),
          h('td', {}, conditions.length ? conditions.map(([code, n]) => h('span', { class: 'condition' }, `${tOr(`condition.${code}`, code)} ${formatNumber(n, 0)}`)) : '–'));
      }))));
}

export function renderProgramme(main) {
  const body = h('div', { class: 'block', 'aria-busy': 'true' });
  mount(main, h('section', { class: 'programme-view', 'aria-labelledby': 'programme-title' },
    h('h1', { id: 'programme-title', tabindex: '-1' }, t('programme.title')),
    h('p', { class: 'hint' }, t('programme.intro', { who: me().username })),
    body));
  main.querySelector('#programme-title').focus();
  get('api/programme')
    .catch((e) => (e.status === 404 || e.status === 405 ? get('api/territories') : Promise.reject(e)))
    .then((answer) => {
      const regions = regionsFrom(answer);
      const total = typeof answer.enrolled === 'number'
        ? h('p', { class: 'programme-total' }, answer.quota === null ? t('programme.enrolled_no_quota', { enrolled: answer.enrolled }) : t('programme.total', { enrolled: answer.enrolled, quota: answer.quota }))
        : null;
      mount(body, total, regions.length ? regions.map(regionTable) : h('p', { class: 'empty' }, t('programme.empty')));
    })
    .catch((e) => mount(body, h('p', { class: 'hint' }, e.status === 404 || e.status === 405 ? t('territory.registry_missing') : errorText(e))))
    .finally(() => body.removeAttribute('aria-busy'));
  return { dispose() {} };
}
