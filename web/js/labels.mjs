// Words for the platform's codes (categories, states, outcomes, rules, roles) and the small
// pieces of page that show them the same way everywhere.

import { h } from './dom.mjs';
import { formatDuration, t, tOr } from './i18n.mjs';
import { serverNow } from './api.mjs';

export const OUTCOMES = ['advice', 'teleconsultation', 'home_visit', 'mobile_team', 'emergency_15', 'hospitalised', 'false_alarm', 'no_action'];

// The category as a coloured badge with its number and word: never colour alone.
export function categoryBadge(category) {
  return h('span', { class: `badge cat-${category}` },
    h('span', { class: 'badge-num', 'aria-hidden': 'true' }, String(category)),
    h('span', { class: 'badge-word' }, t(`category.${category}`)));
}

export function ruleName(rule) {
  return tOr(`rule.${rule}`, rule);
}

export function outcomeName(outcome) {
  return tOr(`outcome.${outcome}`, outcome);
}

export function stateText(c) {
  if (c.state === 'claimed') return t('state.claimed_by', { who: c.claimed_by || '?' });
  return tOr(`state.${c.state}`, c.state);
}

// Transition items read "open -> claimed" or "claimed -> closed: false_alarm".
export function transitionText(text) {
  const m = /^(\w*) -> (\w+)(?:: (.*))?$/.exec(text || '');
  if (!m) return text;
  const name = (s) => tOr(`state.${s}`, s);
  const detail = m[3] ? (OUTCOMES.includes(m[3]) ? outcomeName(m[3]) : tOr(`rule.${m[3]}`, m[3])) : '';
  const move = m[1] ? `${name(m[1])} → ${name(m[2])}` : name(m[2]);
  return detail ? `${move} (${detail})` : move;
}

// The countdown to a deadline; refreshed every second by tickDeadlines.
export function deadlineEl(c) {
  const el = h('span', { class: 'deadline', 'data-deadline': c.deadline });
  updateDeadline(el, serverNow());
  return el;
}

function updateDeadline(el, now) {
  const left = Date.parse(el.dataset.deadline) - now;
  const over = left < 0;
  el.classList.toggle('over', over);
  el.classList.toggle('soon', !over && left < 5 * 60000);
  const text = over ? t('deadline.over', { d: formatDuration(-left) }) : t('deadline.left', { d: formatDuration(left) });
  if (el.textContent !== text) el.textContent = text;
}

export function tickDeadlines(root = document) {
  const now = serverNow();
  for (const el of root.querySelectorAll('.deadline[data-deadline]')) updateDeadline(el, now);
}
