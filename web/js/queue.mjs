// The live queue: escalated cases first, then by category and deadline, each with its
// countdown; new cases appear as the stream brings them, category-1 arrivals are announced
// (notice.mjs). Arrow keys (or j/k) move between cases, Enter opens one.

import { me } from './api.mjs';
import { h, mount, moveFocus } from './dom.mjs';
import { formatDateTime, t } from './i18n.mjs';
import { isLoaded, onChange, onConnection, queue } from './live.mjs';
import { categoryBadge, deadlineEl, stateText } from './labels.mjs';

const FILTERS = ['all', 'open', 'mine'];
let filter = 'all';
const arrivedAt = new Map(); // case id -> when it arrived live (highlighted a while)

function caseRow(c, user) {
  const fresh = arrivedAt.has(c.id) && Date.now() - arrivedAt.get(c.id) < 15000;
  return h('li', {
    class: ['case-row', `cat-${c.category}`, c.escalated && 'escalated', fresh && 'arrived', c.claimed_by === user.username && 'mine'],
    'data-id': c.id, 'data-category': c.category, 'data-state': c.state,
  },
  h('a', { class: 'case-link', href: `#/case/${c.id}` },
    h('span', { class: 'col-cat' }, categoryBadge(c.category)),
    h('span', { class: 'col-main' },
      h('span', { class: 'case-title-text' }, c.title),
      h('span', { class: 'case-sub' }, `${c.patient} · ${c.territory || '–'} · ${t(`nature.${c.nature}`)} · ${t('queue.opened_at', { at: formatDateTime(c.opened_at) })}`)),
    h('span', { class: 'col-state' },
      c.escalated ? h('span', { class: 'tag tag-escalated' }, t('queue.escalated')) : null,
      h('span', { class: `state state-${c.state}` }, stateText(c))),
    h('span', { class: 'col-deadline' }, deadlineEl(c))));
}

export function renderQueue(main, { status }) {
  const user = me();
  const list = h('ol', { class: 'case-list', 'aria-labelledby': 'queue-title' });
  const empty = h('p', { class: 'empty', hidden: true });
  const connection = h('span', { class: 'connection', role: 'status' });
  const filterGroup = h('div', { class: 'segments', role: 'group', 'aria-label': t('queue.filter') });
  const counts = h('p', { class: 'queue-counts' });

  function visible(all, which = filter) {
    if (which === 'open') return all.filter((c) => c.state === 'open');
    if (which === 'mine') return all.filter((c) => c.claimed_by === user.username);
    return all;
  }

  function render() {
    const all = queue();
    const shown = visible(all);
    const focusedId = document.activeElement && document.activeElement.closest && document.activeElement.closest('.case-row')
      ? document.activeElement.closest('.case-row').dataset.id : null;
    mount(filterGroup, FILTERS.map((f) => {
      const count = visible(all, f).length;
      return h('button', { type: 'button', class: 'segment', 'aria-pressed': String(filter === f), onclick: () => { filter = f; render(); } },
        t(`queue.filter_${f}`), ' ', h('span', { class: 'count' }, String(count)));
    }));
    const byCategory = [1, 2, 3].map((k) => all.filter((c) => c.category === k).length);
    counts.textContent = t('queue.counts', { c1: byCategory[0], c2: byCategory[1], c3: byCategory[2], esc: all.filter((c) => c.escalated).length });
    mount(list, shown.map((c) => caseRow(c, user)));
    empty.hidden = shown.length > 0 || !isLoaded();
    empty.textContent = all.length ? t('queue.empty_filter') : t('queue.empty');
    list.setAttribute('aria-busy', String(!isLoaded()));
    if (focusedId) {
      const again = list.querySelector(`.case-row[data-id="${focusedId}"] a`);
      if (again) again.focus();
    }
  }

  const stopChanges = onChange((change) => {
    if (change.kind === 'case.created' && change.case) {
      arrivedAt.set(change.case.id, Date.now());
      status(t('queue.arrived', { title: change.case.title, category: t(`category.${change.case.category}`) }));
    }
    render();
  });
  const stopConnection = onConnection((state) => {
    connection.className = `connection connection-${state}`;
    connection.dataset.state = state;
    connection.textContent = t(`connection.${state}`);
  });

  mount(main, h('section', { class: 'queue-view', 'aria-labelledby': 'queue-title' },
    h('div', { class: 'section-head' },
      h('h1', { id: 'queue-title', tabindex: '-1' }, t('queue.title')),
      connection,
      filterGroup),
    counts, empty, list));
  render();
  main.querySelector('#queue-title').focus();

  const move = (delta) => moveFocus([...list.querySelectorAll('.case-link')], delta);

  return {
    onKey(event) {
      if (event.key === 'ArrowDown' || event.key === 'j') return move(1);
      if (event.key === 'ArrowUp' || event.key === 'k') return move(-1);
      if (event.key === 'Home') return move(-1e9);
      if (event.key === 'End') return move(1e9);
      return false;
    },
    dispose() {
      stopChanges();
      stopConnection();
    },
  };
}
