// The ICOPE step 1 questions as form fields, built from the Questionnaire the server
// publishes (GET /fhir/Questionnaire/icope-step1): its groups and linkIds, answer types,
// required items, ranges (minValue / maxValue), units, enableWhen, and its texts in French
// with the English of the FHIR translation extension. Each field checks its own answer and
// shows its own error; the answers become the items of a QuestionnaireResponse, nested as
// the Questionnaire nests them (docs/frailty.md). Also the words of a frailty event's
// detail, for the case view.

import { get } from './api.mjs';
import { h } from './dom.mjs';
import { formatCivilDay, formatNumber, getLang, t } from './i18n.mjs';

const SD = 'http://hl7.org/fhir/StructureDefinition/';
const TRANSLATION = `${SD}translation`;
const MIN_VALUE = `${SD}minValue`;
const MAX_VALUE = `${SD}maxValue`;
const UNIT = `${SD}questionnaire-unit`;
const NUMBER = /^[+-]?\d+(?:[.,]\d+)?$/;

let published = null; // the Questionnaire, fetched once per page

export async function loadQuestionnaire() {
  if (!published) published = await get('fhir/Questionnaire/icope-step1');
  return published;
}

// The text of an element in the console's language: FHIR's translation extension on
// `_text`, else the text as written (French, the Questionnaire's language).
export function textOf(element, key = 'text') {
  const lang = getLang();
  const translations = ((element[`_${key}`] || {}).extension || []).filter((e) => e.url === TRANSLATION);
  for (const tr of translations) {
    const parts = tr.extension || [];
    const l = parts.find((p) => p.url === 'lang');
    const content = parts.find((p) => p.url === 'content');
    if (l && l.valueCode === lang && content) return content.valueString;
  }
  return element[key] || element.linkId || '';
}

const extension = (item, url) => (item.extension || []).find((e) => e.url === url);
const extensionNumber = (item, url) => {
  const e = extension(item, url);
  if (!e) return null;
  const v = e.valueInteger ?? e.valueDecimal;
  return typeof v === 'number' ? v : null;
};

// 'cognition.orientation-time' -> 'cognition-orientation-time' (for element ids)
const slug = (linkId) => linkId.replace(/[^A-Za-z0-9_-]/g, '-');

// A number as typed, with a comma or a dot; null when it is not one.
export function parseNumber(text) {
  return NUMBER.test(text) ? Number(text.replace(',', '.')) : null;
}

// Shows (or clears) a field's error: the message under it, the field marked for assistive
// technologies, the box outlined.
export function setFieldError(field, message) {
  field.error.textContent = message || '';
  field.error.hidden = !message;
  field.box.classList.toggle('invalid', Boolean(message));
  for (const input of field.inputs) {
    if (message) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }
}

function errorElement(id) {
  return h('p', { class: 'field-error', id, hidden: true });
}

function booleanField(item, key) {
  const id = `q-${key}`;
  const error = errorElement(`${id}-error`);
  const radio = (value, label) => h('label', { class: 'radio' },
    h('input', { type: 'radio', name: id, id: `${id}-${value ? 'yes' : 'no'}`, value: String(value), 'aria-describedby': `${id}-error` }), label);
  const yes = radio(true, t('frailty.yes'));
  const no = radio(false, t('frailty.no'));
  const box = h('fieldset', { class: 'question yes-no', id, 'data-link-id': item.linkId },
    h('legend', {}, textOf(item)), h('div', { class: 'choices' }, yes, no), error);
  const inputs = [...box.querySelectorAll('input')];
  return {
    box, error, inputs,
    value() {
      const chosen = inputs.find((i) => i.checked);
      return chosen ? chosen.value === 'true' : null;
    },
    answer: (v) => ({ valueBoolean: v }),
  };
}

function numberField(item, key) {
  const id = `q-${key}`;
  const integer = item.type === 'integer';
  const min = extensionNumber(item, MIN_VALUE);
  const max = extensionNumber(item, MAX_VALUE);
  const unitExt = extension(item, UNIT);
  const unit = unitExt && unitExt.valueCoding ? unitExt.valueCoding.code : '';
  const error = errorElement(`${id}-error`);
  const input = h('input', {
    id, name: item.linkId, type: 'text', inputmode: integer ? 'numeric' : 'decimal', autocomplete: 'off',
    class: 'number', 'aria-describedby': `${id}-help ${id}-error`,
  });
  const range = min !== null && max !== null
    ? t('frailty.range', { min: formatNumber(min, 2), max: formatNumber(max, 2), unit: unit ? ` ${unit}` : '' }) : '';
  const help = [range, item.required ? '' : t('frailty.optional')].filter(Boolean).join(' · ');
  const box = h('div', { class: 'field question', 'data-link-id': item.linkId },
    h('label', { for: id }, textOf(item)),
    h('div', { class: 'with-unit' }, input, unit ? h('span', { class: 'unit' }, unit) : null),
    h('small', { id: `${id}-help` }, help),
    error);
  return {
    box, error, inputs: [input], min, max, unit, integer,
    value() {
      const raw = input.value.trim();
      return raw === '' ? null : raw;
    },
    answer: (v) => (integer ? { valueInteger: parseNumber(v) } : { valueDecimal: parseNumber(v) }),
  };
}

// The message for a field's answer, or null when it is acceptable.
function problem(field) {
  const v = field.value();
  if (v === null) {
    if (!field.required) return null;
    return t(field.type === 'boolean' ? 'frailty.err_yes_no' : 'frailty.err_required');
  }
  if (field.type === 'boolean') return null;
  const n = parseNumber(v);
  if (n === null) return t(field.integer ? 'frailty.err_integer' : 'frailty.err_number');
  if (field.integer && !Number.isInteger(n)) return t('frailty.err_integer');
  if ((field.min !== null && n < field.min) || (field.max !== null && n > field.max)) {
    return t('frailty.err_range', { min: formatNumber(field.min, 2), max: formatNumber(field.max, 2), unit: field.unit ? ` ${field.unit}` : '' });
  }
  return null;
}

// Builds the form's domains from the Questionnaire. Returns
//   {element, fields: Map(linkId -> field), groups, check(), items(), fieldOf(expression)}
// where check() marks every field and returns those in error, items() gives the response's
// items, and fieldOf() finds the field (or group) an OperationOutcome expression names.
export function icopeForm(questionnaire) {
  const fields = new Map();
  const groups = [];
  const groupBoxes = (questionnaire.item || []).map((group) => {
    const key = slug(group.linkId);
    const error = errorElement(`g-${key}-error`);
    const children = [];
    const body = (group.item || []).map((item) => {
      if (item.type === 'display') return h('p', { class: 'hint display' }, textOf(item));
      const f = item.type === 'boolean' ? booleanField(item, slug(item.linkId))
        : item.type === 'integer' || item.type === 'decimal' ? numberField(item, slug(item.linkId)) : null;
      if (!f) return null; // a type this form does not know: left to the server to name
      Object.assign(f, { linkId: item.linkId, type: item.type, required: Boolean(item.required), enableWhen: item.enableWhen || [] });
      fields.set(item.linkId, f);
      children.push(f);
      return f.box;
    });
    const box = h('fieldset', { class: 'domain', id: `g-${key}`, 'data-link-id': group.linkId },
      h('legend', {}, textOf(group)), body, error);
    // a group's own field: the server may name the group (a question given twice...)
    fields.set(group.linkId, { box, error, inputs: [], group: true });
    groups.push({ linkId: group.linkId, children });
    return box;
  });

  const enabled = (f) => f.enableWhen.every((cond) => {
    const other = fields.get(cond.question);
    return other && cond.operator === '=' && other.value() === cond.answerBoolean;
  });

  // Fields whose enableWhen is not met are hidden and left out of the response.
  function refresh() {
    for (const g of groups) {
      for (const f of g.children) {
        const on = enabled(f);
        f.box.hidden = !on;
        for (const input of f.inputs) input.disabled = !on;
        if (!on) setFieldError(f, null);
      }
    }
  }

  const element = h('div', { class: 'icope-domains' }, groupBoxes);
  element.addEventListener('change', (e) => {
    refresh();
    // a field is checked again as soon as it changes
    const box = e.target.closest('.question');
    const f = box && fields.get(box.dataset.linkId);
    if (f && !f.group && f.box.classList.contains('invalid')) setFieldError(f, problem(f));
  });
  refresh();

  return {
    element,
    fields,
    check() {
      const wrong = [];
      for (const g of groups) {
        setFieldError(fields.get(g.linkId), null);
        for (const f of g.children) {
          const message = enabled(f) ? problem(f) : null;
          setFieldError(f, message);
          if (message) wrong.push(f);
        }
      }
      return wrong;
    },
    items() {
      return groups.map((g) => ({
        linkId: g.linkId,
        item: g.children.filter((f) => enabled(f) && f.value() !== null)
          .map((f) => ({ linkId: f.linkId, answer: [f.answer(f.value())] })),
      }));
    },
    // QuestionnaireResponse.item.where(linkId='mobility').item.where(linkId='mobility.chair-rise-seconds').answer[0]
    // names mobility.chair-rise-seconds; an item named by its indices is not found (null).
    fieldOf(expression) {
      const ids = [...String(expression || '').matchAll(/linkId='([^']+)'/g)].map((m) => m[1]);
      for (let i = ids.length - 1; i >= 0; i--) if (fields.has(ids[i])) return fields.get(ids[i]);
      return null;
    },
  };
}

// The detail of a frailty event (the screening's result, docs/frailty.md) as the lines a
// physician reads in the case: each positive domain with its reason, then what got worse.
export function frailtyDetailLines(detail) {
  const lines = (detail.positive || []).map((d) => t('frailty.domain_reason', {
    domain: t(`frailty.domain.${d}`), reason: ((detail.domains || {})[d] || {}).reason || '',
  }));
  const decline = detail.decline;
  if (decline && decline.worsened && decline.worsened.length) {
    lines.push(`${t('frailty.decline_since', { date: formatCivilDay(decline.since) })} ${decline.worsened.join(' · ')}`);
  }
  return lines;
}
