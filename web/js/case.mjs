// The case view: what happened (events with their reasons, transitions, notes, actions),
// the patient's charts, and what the coordinator does (claim, release, close with an
// outcome, reopen, notes and actions, the patient's thresholds).

import { get, post, me, ApiError } from './api.mjs';
import { h, mount } from './dom.mjs';
import { formatDateTime, t } from './i18n.mjs';
import { applyCase, onChange } from './live.mjs';
import { categoryBadge, deadlineEl, outcomeName, OUTCOMES, ruleName, stateText, transitionText } from './labels.mjs';
import { chartsSection } from './timeline.mjs';
import { thresholdsSection } from './thresholds.mjs';
import { acknowledge } from './notice.mjs';
import { frailtyDetailLines } from './icope.mjs';

export function errorText(e) {
  if (e instanceof ApiError) return e.status === 0 ? t('error.network') : e.message;
  return String(e);
}

function eventItem(item) {
  const ev = item.event || {};
  const sources = (ev.sources || []).join(', ');
  const frailty = ev.rule === 'frailty' && ev.detail && typeof ev.detail === 'object';
  const detail = ev.detail && typeof ev.detail === 'object' && !frailty
    ? Object.entries(ev.detail).map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : v}`).join(' · ')
    : null;
  return h('li', { class: ['item', 'item-event', item.withdrawn && 'withdrawn'] },
    h('div', { class: 'item-head' },
      categoryBadge(ev.category),
      h('strong', { class: 'item-rule' }, ruleName(ev.rule)),
      h('span', { class: 'item-nature' }, t(`nature.${ev.nature}`)),
      h('time', { datetime: item.at }, formatDateTime(item.at)),
      item.withdrawn ? h('span', { class: 'tag' }, t('case.withdrawn')) : null),
    h('p', { class: 'item-reason' }, ev.reason || ''),
    // the clinical time, when the reading reached the platform well after it was taken
    ev.at && Math.abs(Date.parse(ev.at) - Date.parse(item.at)) > 10 * 60000
      ? h('p', { class: 'item-meta' }, t('case.measured_at', { at: formatDateTime(ev.at) })) : null,
    ev.score !== undefined ? h('p', { class: 'item-meta' }, t('case.score', { score: ev.score })) : null,
    detail ? h('p', { class: 'item-meta' }, detail) : null,
    // a screening's result in words, and the way to the patient's screening form
    frailty ? h('ul', { class: 'item-meta frailty-detail' }, frailtyDetailLines(ev.detail).map((line) => h('li', {}, line))) : null,
    frailty ? h('p', { class: 'item-meta' }, h('a', { href: `#/frailty/screen/${encodeURIComponent(String(ev.patient || '').replace(/^Patient\//, ''))}` }, t('frailty.open_form'))) : null,
    sources ? h('p', { class: 'item-meta' }, t('case.sources', { list: sources })) : null);
}

function otherItem(item) {
  const text = item.kind === 'transition' ? transitionText(item.text) : item.text;
  return h('li', { class: ['item', `item-${item.kind}`] },
    h('div', { class: 'item-head' },
      h('span', { class: 'tag' }, t(`item.${item.kind}`)),
      h('span', { class: 'item-who' }, item.who),
      h('time', { datetime: item.at }, formatDateTime(item.at))),
    h('p', { class: 'item-text' }, text));
}

export function renderCase(main, id, { navigate, status }) {
  const user = me();
  const coordinator = user.role === 'coordinator';
  let data = null;
  let closeOpen = false;
  let closing = null; // the close form while open
  let busy = false;
  const head = h('div', { class: 'case-head' });
  const actions = h('div', { class: 'case-actions', role: 'group', 'aria-label': t('case.actions') });
  const message = h('p', { class: 'form-message', role: 'status', 'aria-live': 'polite' });
  const items = h('ol', { class: 'items', 'aria-label': t('case.history') });
  const charts = h('section', { class: 'case-charts', 'aria-labelledby': 'charts-title' });
  const thresholds = h('section', { class: 'case-thresholds' });
  const noteText = h('textarea', { id: 'note-text', rows: 3, maxlength: 4000, required: true });
  const noteForm = h('form', { class: 'note-form', onsubmit: (e) => { e.preventDefault(); addNote('notes'); } },
    h('label', { for: 'note-text' }, t('case.note_label')),
    noteText,
    h('div', { class: 'buttons' },
      h('button', { type: 'submit', class: 'secondary' }, t('case.add_note')),
      h('button', { type: 'button', class: 'secondary', onclick: () => addNote('actions') }, t('case.add_action'))));
  let chartsApi = null;

  function say(text, isError) {
    message.textContent = text;
    message.classList.toggle('error', Boolean(isError));
    if (!isError) status(text);
  }

  async function act(path, body, done) {
    if (busy) return;
    busy = true;
    try {
      const answer = await post(`api/cases/${id}/${path}`, body);
      applyCase('answer', answer.case);
      data.case = answer.case;
      say(done);
      await reload();
    } catch (e) {
      say(errorText(e), true);
    } finally {
      busy = false;
      renderActions();
    }
  }

  async function addNote(kind) {
    const text = noteText.value.trim();
    if (!text) {
      noteText.focus();
      say(t('case.note_empty'), true);
      return;
    }
    await act(kind, { text }, t(kind === 'notes' ? 'case.note_added' : 'case.action_added'));
    if (!message.classList.contains('error')) noteText.value = '';
  }

  function closeForm() {
    const note = h('textarea', { id: 'close-note', rows: 2, maxlength: 4000 });
    const radios = OUTCOMES.map((o) => h('label', { class: 'radio' },
      h('input', { type: 'radio', name: 'outcome', value: o, required: true }), outcomeName(o)));
    const form = h('form', {
      class: 'close-form',
      onsubmit: (e) => {
        e.preventDefault();
        const chosen = form.querySelector('input[name=outcome]:checked');
        if (!chosen) { say(t('case.outcome_required'), true); form.querySelector('input').focus(); return; }
        closeOpen = false;
        act('close', { outcome: chosen.value, note: note.value.trim() }, t('case.closed_done'));
      },
    },
    h('fieldset', {}, h('legend', {}, t('case.outcome')), h('div', { class: 'outcomes' }, radios)),
    h('label', { for: 'close-note' }, t('case.close_note')), note,
    h('div', { class: 'buttons' },
      h('button', { type: 'submit', class: 'primary' }, t('case.close_confirm')),
      h('button', { type: 'button', class: 'secondary', onclick: () => { closeOpen = false; renderActions(); } }, t('common.cancel'))));
    return form;
  }

  function reopenForm() {
    const reason = h('input', { id: 'reopen-reason', type: 'text', maxlength: 400 });
    return h('form', { class: 'inline-form', onsubmit: (e) => { e.preventDefault(); act('reopen', { reason: reason.value.trim() }, t('case.reopened')); } },
      h('label', { for: 'reopen-reason' }, t('case.reopen_reason')), reason,
      h('button', { type: 'submit', class: 'secondary' }, t('case.reopen')));
  }

  function renderActions() {
    if (!data) return;
    const c = data.case;
    const mine = c.claimed_by === user.username;
    const buttons = [];
    if (coordinator && c.state === 'open') buttons.push(h('button', { type: 'button', class: 'primary', 'data-action': 'claim', 'aria-keyshortcuts': 'c', onclick: () => act('claim', undefined, t('case.claimed_done')) }, t('case.claim')));
    if (coordinator && c.state === 'claimed' && mine) buttons.push(h('button', { type: 'button', class: 'secondary', 'data-action': 'release', 'aria-keyshortcuts': 'r', onclick: () => act('release', undefined, t('case.released_done')) }, t('case.release')));
    if (coordinator && c.state !== 'closed' && (mine || c.state === 'open') && !closeOpen) {
      buttons.push(h('button', { type: 'button', class: 'secondary', 'data-action': 'close', 'aria-keyshortcuts': 'x', onclick: () => { closeOpen = true; renderActions(); actions.querySelector('input[name=outcome]').focus(); } }, t('case.close')));
    }
    if (!coordinator && c.state !== 'closed') buttons.push(h('p', { class: 'hint' }, t('case.coordinators_only')));
    // the close form survives a reload of the case (another change came live meanwhile)
    if (!closeOpen || c.state === 'closed') closing = null;
    else if (!closing) closing = closeForm();
    mount(actions, buttons,
      closing,
      coordinator && c.state === 'closed' ? reopenForm() : null);
  }

  function renderHead() {
    const c = data.case;
    mount(head,
      h('p', { class: 'back' }, h('a', { href: '#/queue' }, t('case.back'))),
      h('div', { class: 'case-title' }, categoryBadge(c.category), h('h1', { id: 'case-title', tabindex: '-1' }, c.title)),
      h('dl', { class: 'facts' },
        h('div', {}, h('dt', {}, t('case.patient')), h('dd', { class: 'patient-id' }, c.patient)),
        h('div', {}, h('dt', {}, t('case.territory')), h('dd', {}, c.territory || '–')),
        h('div', {}, h('dt', {}, t('case.state')), h('dd', { class: `state state-${c.state}`, 'data-state': c.state }, stateText(c))),
        h('div', {}, h('dt', {}, t('case.nature')), h('dd', {}, t(`nature.${c.nature}`))),
        h('div', {}, h('dt', {}, t('case.opened')), h('dd', {}, formatDateTime(c.opened_at))),
        c.state === 'closed'
          ? h('div', {}, h('dt', {}, t('case.outcome')), h('dd', { class: 'outcome' }, `${outcomeName(c.outcome)} · ${formatDateTime(c.closed_at)}`))
          : h('div', {}, h('dt', {}, t('case.deadline')), h('dd', {}, deadlineEl(c), c.escalated ? h('span', { class: 'tag tag-escalated' }, t('queue.escalated')) : null))));
  }

  function renderItems() {
    const list = [...data.items].reverse(); // newest first
    mount(items, list.map((item) => (item.kind === 'event' ? eventItem(item) : otherItem(item))));
  }

  async function reload() {
    data = await get(`api/cases/${id}`);
    renderHead();
    renderActions();
    renderItems();
  }

  let pendingReload = null;
  const unsubscribe = onChange((change) => {
    if (!data || !change.case || change.case.id !== Number(id)) return;
    if (Date.parse(change.case.updated_at) <= Date.parse(data.case.updated_at)) return;
    clearTimeout(pendingReload);
    pendingReload = setTimeout(() => {
      reload().then(() => chartsApi && change.kind !== 'answer' && chartsApi.refresh()).catch(() => {});
    }, 150);
  });

  mount(main, h('section', { class: 'case-view', 'aria-labelledby': 'case-title' }, h('p', { class: 'loading' }, t('common.loading'))));
  acknowledge(Number(id));
  get(`api/cases/${id}`).then((answer) => {
    data = answer;
    mount(main, h('article', { class: 'case-view', 'aria-labelledby': 'case-title', 'data-case': id },
      head, actions, message,
      h('div', { class: 'case-body' },
        h('div', { class: 'case-main' },
          charts,
          coordinator ? thresholds : null),
        h('aside', { class: 'case-side', 'aria-labelledby': 'history-title' },
          h('h2', { id: 'history-title' }, t('case.history')),
          noteForm,
          items))));
    renderHead();
    renderActions();
    renderItems();
    chartsApi = chartsSection(charts, () => data);
    if (coordinator) thresholdsSection(thresholds, data.case.patient, () => chartsApi.refresh());
    const title = main.querySelector('#case-title');
    if (title) title.focus();
  }).catch((e) => {
    mount(main, h('section', { class: 'case-view' },
      h('p', { class: 'back' }, h('a', { href: '#/queue' }, t('case.back'))),
      h('h1', { tabindex: '-1', id: 'case-title' }, e.status === 404 ? t('case.not_found') : t('error.generic')),
      h('p', {}, e.status === 404 ? t('case.not_found_detail') : errorText(e))));
    main.querySelector('h1').focus();
  });

  function onKey(event) {
    if (!data) return false;
    const click = (action) => {
      const b = actions.querySelector(`[data-action=${action}]`);
      if (b) b.click();
      return Boolean(b);
    };
    if (event.key === 'c') return click('claim');
    if (event.key === 'r') return click('release');
    if (event.key === 'x') return click('close');
    if (event.key === 'n') { noteText.focus(); return true; }
    if (event.key === 'Escape') { navigate('#/queue'); return true; }
    if (['7', '3', '9'].includes(event.key) && chartsApi) return chartsApi.setDaysByKey(event.key);
    return false;
  }

  return {
    onKey,
    dispose() {
      unsubscribe();
      clearTimeout(pendingReload);
    },
  };
}
