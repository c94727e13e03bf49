// The territory diagnosis (#/diagnosis; planners, admins, and coordinators to read): a map
// of départements coloured by APL, share of the population under the threshold or deficit
// (GET /api/diagnosis/deserts), or the registry's territories as their communes; the
// figures as a table; a site selection (POST /api/diagnosis/sites, planners and admins)
// drawn as numbered markers; and the mobile-team rotation calendar (GET /api/rotations).

import { get, me, post } from './api.mjs';
import { $, h, mount } from './dom.mjs';
import { formatNumber, formatPercent, t } from './i18n.mjs';
import { errorText } from './case.mjs';
import { franceMap, projectFeatures } from './francemap.mjs';
import { rotationCalendar } from './calendar.mjs';

// Kept across re-renders (language switch, coming back to the screen).
const view = { indicator: 'apl', level: 'departement', selected: new Set(), sites: null, sitesAsked: null };
let outlines = null; // projected départements, fetched once per page

// Each indicator: its value in an area, class limits (5 classes, the last the worst), and
// how to print it. The APL's first limit is the threshold: under it is a desert.
const INDICATORS = {
  apl: {
    value: (a) => a.apl_mean,
    limits: (threshold) => [threshold + 1.5, threshold + 1, threshold + 0.5, threshold],
    worse: 'lower',
    text: (v) => formatNumber(v, 2),
  },
  share: {
    value: (a) => a.share_under,
    limits: () => [0.1, 0.25, 0.4, 0.6],
    worse: 'higher',
    text: (v) => formatPercent(v),
  },
  deficit: {
    value: (a) => (a.population > 0 ? a.deficit_population / a.population : null),
    limits: () => [0.02, 0.05, 0.1, 0.2],
    worse: 'higher',
    text: (v) => formatPercent(v),
  },
};

// Class 0 (best) to 4 (worst), or null without a value.
function classOf(indicator, value, threshold) {
  if (value === null || value === undefined || Number.isNaN(value)) return null;
  const ind = INDICATORS[indicator];
  const limits = ind.limits(threshold);
  let cls = 0;
  for (const limit of limits) if (ind.worse === 'lower' ? value < limit : value >= limit) cls += 1;
  return cls;
}

// The legend's five labels, best class first.
function legendLabels(indicator, threshold) {
  const ind = INDICATORS[indicator];
  const l = ind.limits(threshold);
  if (ind.worse === 'lower') {
    return [`≥ ${ind.text(l[0])}`, `${ind.text(l[1])} – ${ind.text(l[0])}`, `${ind.text(l[2])} – ${ind.text(l[1])}`,
      `${ind.text(l[3])} – ${ind.text(l[2])}`, `< ${ind.text(l[3])}`];
  }
  return [`< ${ind.text(l[0])}`, `${ind.text(l[0])} – ${ind.text(l[1])}`, `${ind.text(l[1])} – ${ind.text(l[2])}`,
    `${ind.text(l[2])} – ${ind.text(l[3])}`, `≥ ${ind.text(l[3])}`];
}

function segments(label, options, current, onpick) {
  const buttons = options.map(([value, text]) => h('button', {
    type: 'button', class: 'segment', 'aria-pressed': String(value === current), 'data-value': value,
    onclick: () => { for (const b of buttons) b.setAttribute('aria-pressed', String(b === buttons[options.findIndex((o) => o[0] === value)])); onpick(value); },
  }, text));
  return h('div', { class: 'segments', role: 'group', 'aria-label': label }, buttons);
}

export function renderDiagnosis(main) {
  const user = me();
  const planner = user.role === 'planner' || user.role === 'admin';
  const intro = h('p', { class: 'hint' }, t('common.loading'));
  const mapHost = h('div', { class: 'map-host', 'aria-busy': 'true' });
  const legend = h('div', { class: 'map-legend' });
  const details = h('div', { class: 'map-details', 'aria-live': 'polite' });
  const table = h('div', { class: 'map-table' });
  const sitesHost = h('div', { class: 'sites-host' });
  const sitesResult = h('div', { class: 'sites-result', 'aria-live': 'polite' });
  const rotationHost = h('div', { class: 'rotation-host' });
  let status = null;
  let areas = new Map(); // code -> area of the current level
  let territoryNames = new Map();
  let map = null;
  let threshold = 2.5;
  let disposed = false;

  const controls = h('div', { class: 'map-controls' },
    segments(t('diag.indicator'), [['apl', t('diag.ind_apl')], ['share', t('diag.ind_share')], ['deficit', t('diag.ind_deficit')]], view.indicator,
      (v) => { view.indicator = v; paint(); }),
    segments(t('diag.level'), [['departement', t('diag.level_departements')], ['territory', t('diag.level_territories')]], view.level,
      (v) => { view.level = v; loadLevel(); }),
    h('button', { type: 'button', class: 'secondary', id: 'map-reset', onclick: () => { view.selected.clear(); syncSelection(); map && map.zoom([]); } }, t('diag.whole_map')));

  mount(main, h('section', { class: 'diagnosis-view', 'aria-labelledby': 'diagnosis-title' },
    h('h1', { id: 'diagnosis-title', tabindex: '-1' }, t('diag.title')),
    intro,
    h('section', { class: 'map-block', 'aria-labelledby': 'map-title' },
      h('div', { class: 'section-head' }, h('h2', { id: 'map-title' }, t('diag.map_title')), controls),
      h('div', { class: 'map-layout' },
        h('figure', { class: 'map-figure' }, mapHost, legend),
        h('div', { class: 'map-side' }, details, planner ? sitesHost : null)),
      sitesResult,
      table),
    h('section', { class: 'rotation-block', 'aria-labelledby': 'rotation-title' },
      h('h2', { id: 'rotation-title' }, t('diag.rotations_title')), rotationHost)));
  main.querySelector('#diagnosis-title').focus();

  // ---- Areas and colours -------------------------------------------------------------------

  const valueOf = (area) => (area ? INDICATORS[view.indicator].value(area) : null);
  const clsName = (c) => (c === null ? 'choro-none' : `choro-${c}`);

  function areaLabel(code) {
    const f = (outlines || []).find((x) => x.code === code);
    const name = f ? `${f.name} (${code})` : code;
    if (view.level !== 'departement') return name;
    const area = areas.get(code);
    const v = valueOf(area);
    return area && v !== null && v !== undefined ? `${name} : ${t(`diag.ind_${view.indicator}`)} ${INDICATORS[view.indicator].text(v)}` : `${name} : ${t('diag.no_value')}`;
  }

  function paint() {
    if (!map) return;
    const ind = view.indicator;
    if (view.level === 'departement') map.colour((code) => clsName(classOf(ind, valueOf(areas.get(code)), threshold)));
    else map.colour(() => 'choro-neutral');
    map.relabel();
    const labels = legendLabels(ind, threshold);
    mount(legend,
      h('p', { class: 'legend-title', id: 'legend-title' }, t(`diag.legend_${ind}`, { threshold: formatNumber(threshold, 2) })),
      h('ul', { class: 'legend-list', 'aria-labelledby': 'legend-title' },
        labels.map((text, i) => h('li', {}, h('span', { class: `swatch choro-${i}`, 'aria-hidden': 'true' }), text)),
        h('li', {}, h('span', { class: 'swatch choro-none', 'aria-hidden': 'true' }), t('diag.no_value')),
        view.sites ? h('li', {}, h('span', { class: 'swatch swatch-site', 'aria-hidden': 'true' }), t('diag.legend_site')) : null));
    if (view.level === 'territory') paintTerritories();
    else { map.dots([]); map.labels([]); }
    renderTable();
    renderDetails();
  }

  function renderTable() {
    const ind = view.indicator;
    const rows = [...areas.values()];
    const level = view.level;
    const name = (a) => (level === 'departement' ? ((outlines || []).find((f) => f.code === a.code) || {}).name || a.name || a.code : a.name || a.code);
    mount(table, h('details', { class: 'chart-data', open: rows.length <= 12 },
      h('summary', {}, t('diag.table_summary')),
      h('table', { class: 'data-table', id: 'areas-table' },
        h('caption', { class: 'sr-only' }, t('diag.table_summary')),
        h('thead', {}, h('tr', {},
          ['diag.area', 'diag.ind_apl', 'diag.ind_share', 'diag.deficit', 'diag.population', 'diag.doctors'].map((k) => h('th', { scope: 'col' }, t(k))))),
        h('tbody', {}, rows.map((a) => h('tr', { 'data-code': a.code, class: view.selected.has(a.code) ? 'selected' : null },
          h('th', { scope: 'row' }, level === 'departement'
            ? h('button', { type: 'button', class: 'link', 'aria-pressed': String(view.selected.has(a.code)), onclick: () => toggle(a.code) }, `${name(a)} (${a.code})`)
            : `${name(a)} (${a.code})`),
          h('td', { class: ['num', ind === 'apl' ? 'current' : ''] }, formatNumber(a.apl_mean, 2)),
          h('td', { class: ['num', ind === 'share' ? 'current' : ''] }, formatPercent(a.share_under)),
          h('td', { class: ['num', ind === 'deficit' ? 'current' : ''] }, formatNumber(a.deficit_population, 0)),
          h('td', { class: 'num' }, formatNumber(a.population, 0)),
          h('td', { class: 'num' }, a.doctors_per_100k === undefined ? '–' : formatNumber(a.doctors_per_100k, 1))))))));
  }

  function renderDetails() {
    const codes = [...view.selected];
    if (!codes.length) { mount(details, h('p', { class: 'hint' }, t('diag.pick_hint'))); return; }
    mount(details, h('h3', {}, t('diag.selected')), h('ul', { class: 'selected-list' }, codes.map((code) => {
      const a = areas.get(code);
      return h('li', { 'data-code': code }, h('strong', {}, areaLabel(code).split(' : ')[0]),
        a ? h('span', { class: 'hint' }, ` · ${t('diag.ind_apl')} ${formatNumber(a.apl_mean, 2)} · ${t('diag.ind_share')} ${formatPercent(a.share_under)} · ${t('diag.deficit')} ${formatNumber(a.deficit_population, 0)}`) : null);
    })));
  }

  // ---- Selection (départements: the site selection's area) --------------------------------

  function syncSelection() {
    if (map) map.select(view.selected);
    const input = $('#sites-departements');
    if (input) input.value = [...view.selected].join(', ');
    renderDetails();
    renderTable();
  }

  function toggle(code) {
    if (view.level !== 'departement') return;
    if (view.selected.has(code)) view.selected.delete(code); else view.selected.add(code);
    syncSelection();
  }

  // ---- Levels ---------------------------------------------------------------------------

  async function loadLevel() {
    mapHost.setAttribute('aria-busy', 'true');
    try {
      const answer = await get(`api/diagnosis/deserts?level=${view.level}`);
      if (disposed) return;
      threshold = answer.threshold;
      areas = new Map(answer.areas.map((a) => [a.code, a]));
      if (view.level === 'territory') await loadTerritoryCommunes();
      paint();
      if (view.level === 'territory') map && map.zoom([], territoryPoints());
      else if (view.sitesAsked && view.sitesAsked.length) map && map.zoom(view.sitesAsked);
      else map && map.zoom([]);
    } catch (e) {
      mount(table, h('p', { class: 'form-message error' }, errorText(e)));
    } finally {
      mapHost.removeAttribute('aria-busy');
    }
  }

  let territoryCommunes = new Map(); // territory -> communes with lat, lon, apl, deficit
  async function loadTerritoryCommunes() {
    const ids = [...areas.keys()];
    const answers = await Promise.all(ids.map((id) => get(`api/diagnosis/apl?territory=${encodeURIComponent(id)}`).catch(() => null)));
    territoryCommunes = new Map(ids.map((id, i) => [id, answers[i] ? answers[i].communes : []]));
  }

  const territoryPoints = () => [...territoryCommunes.values()].flat();

  function paintTerritories() {
    if (!map) return;
    const ind = view.indicator;
    // a commune has no share: under the threshold or not is its APL's class
    const communeValue = (c) => (ind === 'apl' ? c.apl : ind === 'share' ? (c.apl === null ? null : c.apl < threshold ? 1 : 0) : c.deficit);
    map.dots(territoryPoints().map((c) => ({ lat: c.lat, lon: c.lon, cls: clsName(classOf(ind, communeValue(c), threshold)) })));
    // each territory named above the middle of its communes
    map.labels([...territoryCommunes.entries()].map(([id, communes]) => {
      const placed = communes.filter((c) => Number.isFinite(c.lat) && Number.isFinite(c.lon));
      const mean = (key) => placed.reduce((sum, c) => sum + c[key], 0) / placed.length;
      return { lat: mean('lat'), lon: mean('lon'), text: (areas.get(id) || {}).name || id };
    }));
  }

  // ---- Sites ----------------------------------------------------------------------------

  function sitesForm() {
    const s = status.sites;
    const message = h('p', { class: 'form-message', role: 'status' });
    const field = (id, label, input, hint) => h('div', { class: 'field' }, h('label', { for: id }, label), input, hint ? h('small', { id: `${id}-hint` }, hint) : null);
    const p = h('input', { id: 'sites-p', type: 'number', min: 1, max: s.max_sites, step: 1, value: Math.min(Math.max(s.p, 3), s.max_sites), required: true });
    const minutes = h('input', { id: 'sites-minutes', type: 'number', min: 1, max: s.max_minutes_allowed, step: 1, value: s.max_minutes, required: true });
    const deps = h('input', { id: 'sites-departements', value: [...view.selected].join(', '), 'aria-describedby': 'sites-departements-hint', autocomplete: 'off' });
    deps.addEventListener('input', () => deps.removeAttribute('aria-invalid'));
    const weight = h('select', { id: 'sites-weight' }, h('option', { value: 'deficit' }, t('diag.weight_deficit')), h('option', { value: 'population' }, t('diag.weight_population')));
    const button = h('button', { type: 'submit', class: 'primary' }, t('diag.sites_run'));
    const fields = { p, max_minutes: minutes, departements: deps, weight };
    const form = h('form', {
      class: 'sites-form', 'aria-labelledby': 'sites-title',
      onsubmit: async (event) => {
        event.preventDefault();
        for (const el of Object.values(fields)) el.removeAttribute('aria-invalid');
        const codes = deps.value.split(/[\s,;]+/).filter(Boolean);
        view.selected = new Set(codes);
        syncSelection();
        button.disabled = true;
        message.className = 'form-message';
        message.textContent = t('diag.sites_running');
        try {
          const body = { p: Number(p.value), max_minutes: Number(minutes.value), weight: weight.value };
          if (codes.length) body.departements = codes;
          const answer = await post('api/diagnosis/sites', body);
          if (disposed) return;
          view.sites = answer;
          view.sitesAsked = codes;
          message.textContent = t('diag.sites_done', { n: answer.sites.length });
          showSites();
        } catch (e) {
          message.className = 'form-message error';
          message.textContent = errorText(e);
          const key = e.field && e.field.replace(/\[\d+\]$/, '');
          if (fields[key]) { fields[key].setAttribute('aria-invalid', 'true'); fields[key].focus(); }
        } finally {
          button.disabled = false;
        }
      },
    },
    h('h3', { id: 'sites-title' }, t('diag.sites_title')),
    h('p', { class: 'hint' }, t('diag.sites_intro')),
    field('sites-departements', t('diag.sites_departements'), deps, t('diag.sites_departements_hint')),
    h('div', { class: 'field-row' },
      field('sites-p', t('diag.sites_p'), p),
      field('sites-minutes', t('diag.sites_minutes'), minutes)),
    field('sites-weight', t('diag.sites_weight'), weight),
    button, message);
    mount(sitesHost, form);
  }

  function showSites() {
    const r = view.sites;
    if (!r || !map) { mount(sitesResult); return; }
    const names = new Map(r.sites.map((s) => [s.code, s.name]));
    map.markers(r.sites.map((s) => ({ code: s.code, rank: s.rank, lat: s.lat, lon: s.lon, label: t('diag.site_label', { rank: s.rank, name: names.get(s.code) || s.code, code: s.code }) })));
    if (view.level === 'departement') map.zoom(view.sitesAsked && view.sitesAsked.length ? view.sitesAsked : [], r.sites);
    paint();
    const share = r.total_weight > 0 ? r.covered_weight / r.total_weight : 0;
    mount(sitesResult, h('section', { class: 'sites-block', 'aria-labelledby': 'sites-result-title' },
      h('h3', { id: 'sites-result-title' }, t('diag.sites_result', { n: r.sites.length, minutes: formatNumber(r.max_minutes, 0) })),
      h('p', { class: 'sites-summary' }, t(r.optimal ? 'diag.sites_optimal' : 'diag.sites_bound', {
        method: r.method, covered: formatNumber(r.covered_weight, 0), share: formatPercent(share),
        population: formatNumber(r.covered_population, 0), gap: formatPercent(r.gap),
      })),
      h('table', { class: 'data-table', id: 'sites-table' },
        h('caption', { class: 'sr-only' }, t('diag.sites_title')),
        h('thead', {}, h('tr', {}, ['diag.rank', 'diag.commune', 'diag.gain', 'diag.gain_population'].map((k) => h('th', { scope: 'col' }, t(k))))),
        h('tbody', {}, r.sites.map((s) => h('tr', { 'data-code': s.code },
          h('td', { class: 'num' }, String(s.rank)), h('th', { scope: 'row' }, `${s.name} (${s.code})`),
          h('td', { class: 'num' }, formatNumber(s.gain_weight, 0)), h('td', { class: 'num' }, formatNumber(s.gain_population, 0))))))));
  }

  // ---- Rotations ------------------------------------------------------------------------

  function rotationForm() {
    const from = h('input', { id: 'rot-from', type: 'date' });
    const to = h('input', { id: 'rot-to', type: 'date' });
    const result = h('div', { class: 'rotation-result', 'aria-live': 'polite' });
    const load = async () => {
      result.setAttribute('aria-busy', 'true');
      const q = new URLSearchParams();
      if (from.value) q.set('from', from.value);
      if (to.value) q.set('to', to.value);
      try {
        const plan = await get(`api/rotations${q.toString() ? `?${q}` : ''}`);
        if (disposed) return;
        if (!from.value) from.value = plan.horizon.from;
        if (!to.value) to.value = plan.horizon.to;
        mount(result, plan.stays.length ? rotationCalendar(plan, territoryNames) : h('p', { class: 'empty' }, t('diag.no_stays')));
      } catch (e) {
        mount(result, h('p', { class: 'form-message error' }, errorText(e)));
      } finally {
        result.removeAttribute('aria-busy');
      }
    };
    mount(rotationHost,
      h('p', { class: 'hint' }, t('diag.rotations_intro')),
      h('form', { class: 'inline-form rotation-form', onsubmit: (e) => { e.preventDefault(); load(); } },
        h('div', { class: 'field' }, h('label', { for: 'rot-from' }, t('diag.from')), from),
        h('div', { class: 'field' }, h('label', { for: 'rot-to' }, t('diag.to')), to),
        h('button', { type: 'submit', class: 'primary', id: 'rot-run' }, t('diag.rotations_run'))),
      result);
    load();
  }

  // ---- Start ----------------------------------------------------------------------------

  async function start() {
    try {
      status = await get('api/diagnosis');
    } catch (e) {
      mount(intro, errorText(e));
      mapHost.removeAttribute('aria-busy');
      return;
    }
    if (disposed) return;
    get('api/territories').then((a) => { territoryNames = new Map((a.territories || []).map((x) => [x.id, x.name])); }).catch(() => {})
      .finally(() => { if (!disposed && status.teams.available) rotationForm(); });
    if (!status.teams.available) mount(rotationHost, h('p', { class: 'form-message error', id: 'rotation-missing' }, status.teams.message));
    if (!status.data.available) {
      // the server's message names the file and the setting: the operator's next step
      mount(intro, h('strong', {}, t('diag.data_missing')), ' ', h('span', { id: 'data-missing' }, status.data.message));
      intro.className = 'form-message error';
      main.querySelector('.map-block').hidden = true;
      return;
    }
    const source = status.data.apl_column ? t('diag.source_column', { file: status.data.apl_file, column: status.data.apl_column }) : t('diag.source_supply', { file: status.data.apl_file });
    mount(intro, t('diag.intro', { source, threshold: formatNumber(status.threshold, 2), communes: formatNumber(status.data.communes, 0) }));
    threshold = status.threshold;
    if (status.map.available) {
      try {
        if (!outlines) outlines = projectFeatures(await get('api/diagnosis/map'));
        if (disposed) return;
        map = franceMap({ features: outlines, label: areaLabel, onSelect: toggle, title: t('diag.map_label') });
        mount(mapHost, map.element);
        map.select(view.selected);
      } catch (e) {
        mount(mapHost, h('p', { class: 'form-message error' }, errorText(e)));
      }
    } else {
      mount(mapHost, h('p', { class: 'form-message error', id: 'map-missing' }, status.map.message));
    }
    if (planner) sitesForm();
    await loadLevel();
    if (view.sites) showSites();
  }

  start();
  return { dispose() { disposed = true; } };
}
