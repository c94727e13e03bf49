// The patient's thresholds, for coordinators (GET/PUT /api/patients/{id}/thresholds): the
// per-patient keys of docs/triage.md, each empty for the default in force, with its range.
// Saving replaces the patient's overrides; an error names the key, which is marked.

import { get, put } from './api.mjs';
import { h, mount } from './dom.mjs';
import { formatDateTime, t } from './i18n.mjs';

// key, unit, min, max, step (docs/triage.md, "Configuration")
const FIELDS = [
  ['bp_systolic_high', 'mmHg', 140, 220, 1],
  ['bp_diastolic_high', 'mmHg', 90, 130, 1],
  ['glucose_level2_below', 'mg/dL', 40, 70, 1],
  ['glucose_level1_below', 'mg/dL', 54, 100, 1],
  ['glucose_high_above', 'mg/dL', 180, 400, 1],
  ['glucose_very_high_above', 'mg/dL', 300, 1000, 1],
  ['weight_gain_kg', 'kg', 0.5, 5, 0.1],
  ['weight_trend_kg', 'kg', 0.5, 8, 0.1],
  ['spo2_drift_points', '%', 1, 10, 1],
  ['activity_sd', 'SD', 1, 4, 0.1],
];

export function thresholdsSection(el, patient, onSaved) {
  const path = `api/patients/${encodeURIComponent(patient)}/thresholds`;
  const message = h('p', { class: 'form-message', role: 'status', 'aria-live': 'polite' });
  const inputs = new Map();

  function say(text, isError) {
    message.textContent = text;
    message.classList.toggle('error', Boolean(isError));
  }

  function render(state) {
    const overrides = state.overrides || {};
    const inForce = state.in_force || {};
    inputs.clear();
    const rows = FIELDS.map(([key, unit, min, max, step]) => {
      const id = `th-${key}`;
      const input = h('input', {
        id, name: key, type: 'number', inputmode: 'decimal', min, max, step,
        value: overrides[key] ?? '', placeholder: inForce[key] !== undefined ? String(inForce[key]) : '',
        'aria-describedby': `${id}-help`,
      });
      inputs.set(key, input);
      return h('div', { class: 'field' },
        h('label', { for: id }, t(`threshold.${key}`)),
        h('div', { class: 'with-unit' }, input, h('span', { class: 'unit' }, unit)),
        h('small', { id: `${id}-help` }, t('threshold.range', { min, max, value: inForce[key] ?? '–' })));
    });
    const target = h('select', { id: 'th-spo2_target', name: 'spo2_target', 'aria-describedby': 'th-spo2_target-help' },
      h('option', { value: '' }, t('threshold.default')),
      h('option', { value: '88-92', selected: overrides.spo2_target === '88-92' }, t('threshold.spo2_scale2')),
      h('option', { value: '94-98', selected: overrides.spo2_target === '94-98' }, t('threshold.spo2_scale1')));
    inputs.set('spo2_target', target);
    const missing = h('input', { id: 'th-missing_after', name: 'missing_after', type: 'text', value: overrides.missing_after ?? '', placeholder: inForce.missing_after ?? '48h', pattern: '[0-9]+(s|min|h|d)', 'aria-describedby': 'th-missing_after-help' });
    inputs.set('missing_after', missing);
    const who = state.set_by ? t('threshold.set_by', { who: state.set_by, at: formatDateTime(state.set_at) }) : t('threshold.none');
    const form = h('form', { class: 'threshold-form', novalidate: true, onsubmit: (e) => { e.preventDefault(); save(false); } },
      h('p', { class: 'hint' }, who),
      h('div', { class: 'fields' }, rows,
        h('div', { class: 'field' }, h('label', { for: 'th-spo2_target' }, t('threshold.spo2_target')), target,
          h('small', { id: 'th-spo2_target-help' }, t('threshold.spo2_help'))),
        h('div', { class: 'field' }, h('label', { for: 'th-missing_after' }, t('threshold.missing_after')), missing,
          h('small', { id: 'th-missing_after-help' }, t('threshold.missing_help')))),
      h('div', { class: 'buttons' },
        h('button', { type: 'submit', class: 'primary' }, t('threshold.save')),
        h('button', { type: 'button', class: 'secondary', onclick: () => save(true) }, t('threshold.reset'))),
      message);
    mount(el, h('details', { class: 'thresholds', open: Boolean(state.overrides) },
      h('summary', {}, h('h2', {}, t('threshold.title'))), form));
  }

  async function save(reset) {
    const body = {};
    say('');
    for (const input of inputs.values()) input.removeAttribute('aria-invalid');
    if (!reset) {
      for (const [key, input] of inputs) {
        const raw = input.value.trim();
        if (raw === '') continue;
        body[key] = input.type === 'number' ? Number(raw) : raw;
      }
    }
    try {
      const answer = await put(path, body);
      render(answer && answer.in_force ? answer : await get(path));
      say(t(reset ? 'threshold.reset_done' : 'threshold.saved'));
      if (onSaved) onSaved();
    } catch (e) {
      // the error names the key in `field`, or first in its message ("weight_gain_kg: ...")
      const named = /^(\w+):/.exec(e.message || '');
      const key = e.field ? e.field.replace(/^.*\./, '') : named && named[1];
      const input = key && inputs.get(key);
      if (input) { input.setAttribute('aria-invalid', 'true'); input.focus(); }
      say(e.message, true);
    }
  }

  get(path).then(render).catch((e) => {
    if (e.status === 404 || e.status === 405) mount(el); // a server without per-patient thresholds
    else mount(el, h('p', { class: 'form-message error' }, e.message));
  });
}
