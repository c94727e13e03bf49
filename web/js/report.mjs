// Reports and requests: a professional or a caregiver tells the platform about a patient.
// A report is a FHIR Communication (who saw it, in their words); a tele-expertise request
// is a FHIR ServiceRequest with a priority (professionals and coordinators). Triage reads
// both: red-flag words and priorities raise a case (docs/triage.md).

import { me, request } from './api.mjs';
import { h, mount } from './dom.mjs';
import { t } from './i18n.mjs';
import { queue } from './live.mjs';
import { errorText } from './case.mjs';

const SENDER_ROLES = ['caregiver', 'home-help', 'ambulance', 'tele-assistance', 'senior-residence', 'patient', 'professional'];
const PRIORITIES = ['routine', 'urgent', 'asap', 'stat'];

export function renderReport(main, { status }) {
  const user = me();
  const clinical = user.role === 'coordinator' || user.role === 'professional';
  let kind = 'report';
  const message = h('div', { class: 'form-message', role: 'status', 'aria-live': 'polite' });

  const patientField = user.patients && user.patients.length
    ? h('select', { id: 'rp-patient', required: true }, user.patients.map((p) => h('option', { value: p }, p)))
    : h('input', { id: 'rp-patient', type: 'text', required: true, autocomplete: 'off', list: 'rp-patients', pattern: '[A-Za-z0-9.\\-]{1,64}', spellcheck: 'false' });
  const known = [...new Set(queue().map((c) => c.patient))].sort();
  const datalist = h('datalist', { id: 'rp-patients' }, known.map((p) => h('option', { value: p })));
  const role = h('select', { id: 'rp-role' }, SENDER_ROLES.map((r) => h('option', { value: r, selected: r === (clinical ? 'professional' : 'caregiver') }, t(`sender.${r}`))));
  const text = h('textarea', { id: 'rp-text', rows: 5, maxlength: 8000, required: true });
  const priority = h('select', { id: 'rp-priority' }, PRIORITIES.map((p) => h('option', { value: p }, t(`priority.${p}`))));
  const question = h('input', { id: 'rp-question', type: 'text', maxlength: 400 });
  const reason = h('textarea', { id: 'rp-reason', rows: 4, maxlength: 8000 });

  const reportFields = h('div', { class: 'kind-fields', 'data-kind': 'report' },
    h('div', { class: 'field' }, h('label', { for: 'rp-role' }, t('report.sender_role')), role),
    h('div', { class: 'field' }, h('label', { for: 'rp-text' }, t('report.text')), text, h('small', {}, t('report.text_help'))));
  const requestFields = h('div', { class: 'kind-fields', 'data-kind': 'request', hidden: true },
    h('div', { class: 'field' }, h('label', { for: 'rp-priority' }, t('report.priority')), priority, h('small', {}, t('report.priority_help'))),
    h('div', { class: 'field' }, h('label', { for: 'rp-question' }, t('report.question')), question),
    h('div', { class: 'field' }, h('label', { for: 'rp-reason' }, t('report.reason')), reason));

  function setKind(next) {
    kind = next;
    reportFields.hidden = kind !== 'report';
    requestFields.hidden = kind !== 'request';
    text.required = kind === 'report';
    question.required = kind === 'request';
  }

  function say(content, isError) {
    mount(message, content);
    message.classList.toggle('error', Boolean(isError));
  }

  async function submit(e) {
    e.preventDefault();
    const form = e.target;
    if (!form.reportValidity()) return;
    const subject = { reference: `Patient/${patientField.value.trim()}` };
    const now = new Date().toISOString();
    const resource = kind === 'report'
      ? {
        resourceType: 'Communication', status: 'completed', subject, sent: now,
        sender: { display: user.username },
        category: [{ coding: [{ system: 'urn:vigie:sender-role', code: role.value }] }],
        payload: [{ contentString: text.value.trim() }],
      }
      : {
        resourceType: 'ServiceRequest', status: 'active', intent: 'order', priority: priority.value, subject,
        authoredOn: now, requester: { display: user.username },
        code: { text: question.value.trim() },
        reasonCode: reason.value.trim() ? [{ text: reason.value.trim() }] : undefined,
      };
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      await request('POST', `fhir/${resource.resourceType}`, resource);
      say(t(kind === 'report' ? 'report.sent' : 'report.request_sent', { patient: patientField.value.trim() }));
      status(t(kind === 'report' ? 'report.sent' : 'report.request_sent', { patient: patientField.value.trim() }));
      text.value = '';
      question.value = '';
      reason.value = '';
    } catch (err) {
      const aboutPatient = (err.status === 404 || err.status === 422) && /subject/i.test(err.field || '');
      say(aboutPatient
        ? t('report.unknown_patient', { patient: patientField.value.trim() })
        : errorText(err), true);
    } finally {
      button.disabled = false;
    }
  }

  mount(main, h('section', { class: 'report-view', 'aria-labelledby': 'report-title' },
    h('h1', { id: 'report-title', tabindex: '-1' }, t('report.title')),
    h('p', { class: 'hint' }, t(clinical ? 'report.intro_professional' : 'report.intro_caregiver')),
    h('form', { class: 'report-form', onsubmit: submit },
      clinical ? h('fieldset', { class: 'kind' }, h('legend', {}, t('report.kind')),
        ['report', 'request'].map((k) => h('label', { class: 'radio' },
          h('input', { type: 'radio', name: 'rp-kind', value: k, checked: k === kind, onchange: () => setKind(k) }), t(`report.kind_${k}`)))) : null,
      h('div', { class: 'field' }, h('label', { for: 'rp-patient' }, t('report.patient')), patientField, datalist),
      reportFields, requestFields,
      h('div', { class: 'buttons' }, h('button', { type: 'submit', class: 'primary' }, t('report.send'))),
      message)));
  main.querySelector('#report-title').focus();
  return { dispose() {} };
}
