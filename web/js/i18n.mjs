// Languages: French by default, English available; the choice is kept in localStorage.
// t(key, params) fills each {name} of the current language's message from params.

import { messages } from './messages.mjs';

const LANG_KEY = 'vigie.lang';
export const LANGUAGES = ['fr', 'en'];
const listeners = new Set();

function saved() {
  try {
    const l = localStorage.getItem(LANG_KEY);
    return LANGUAGES.includes(l) ? l : 'fr';
  } catch (_) {
    return 'fr';
  }
}

let lang = saved();

export function getLang() {
  return lang;
}

export function setLang(next) {
  if (!LANGUAGES.includes(next) || next === lang) return;
  lang = next;
  try { localStorage.setItem(LANG_KEY, next); } catch (_) { /* private mode: this tab only */ }
  document.documentElement.lang = next;
  for (const fn of listeners) fn(next);
}

export function onLangChange(fn) {
  listeners.add(fn);
}

export function t(key, params) {
  let text = messages[lang][key];
  if (text === undefined) text = messages.fr[key];
  if (text === undefined) return key;
  if (params) text = text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
  return text;
}

// A message when the dictionary has it, else the fallback (codes the server may add later).
export function tOr(key, fallback) {
  return messages[lang][key] !== undefined ? messages[lang][key] : fallback;
}

// Fills [data-i18n] elements of the static page (text) and [data-i18n-label] (aria-label).
export function translatePage(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-label]')) el.setAttribute('aria-label', t(el.dataset.i18nLabel));
}

const locale = () => (lang === 'fr' ? 'fr-FR' : 'en-GB');

export function formatDateTime(value) {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return '';
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'short', timeStyle: 'short' }).format(d);
}

export function formatTime(value) {
  return new Intl.DateTimeFormat(locale(), { hour: '2-digit', minute: '2-digit' }).format(new Date(value));
}

export function formatDay(value, withWeekday) {
  const options = withWeekday ? { weekday: 'short', day: 'numeric' } : { day: '2-digit', month: '2-digit' };
  return new Intl.DateTimeFormat(locale(), options).format(new Date(value));
}

// A civil date of the server ("2026-03-04": a day, not an instant) in words, whatever the
// browser's time zone.
export function formatCivilDay(text) {
  const d = new Date(`${text}T00:00:00Z`);
  if (!text || Number.isNaN(d.getTime())) return '–';
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeZone: 'UTC' }).format(d);
}

export function formatNumber(value, digits = 1) {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(value);
}

export function formatPercent(share) {
  return new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: 1 }).format(share || 0);
}

const pad = (n) => String(n).padStart(2, '0');

// A duration for countdowns: "04:59", "1 h 05", "2 j 03 h" (days in the language's letter).
export function formatDuration(ms) {
  const s = Math.floor(Math.abs(ms) / 1000);
  if (s < 3600) return `${pad(Math.floor(s / 60))}:${pad(s % 60)}`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${pad(Math.floor((s % 3600) / 60))}`;
  return `${Math.floor(s / 86400)} ${t('unit.day_letter')} ${pad(Math.floor((s % 86400) / 3600))} h`;
}

// A duration in words for figures: "12 min", "3 h 10", "–" when unknown.
export function formatSeconds(seconds) {
  if (seconds === null || seconds === undefined) return '–';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  return formatDuration(seconds * 1000);
}

// "3 min ago", "in 5 min" for times near now.
export function formatAgo(value, now) {
  const diff = new Date(value).getTime() - now;
  const rtf = new Intl.RelativeTimeFormat(locale(), { numeric: 'auto' });
  const abs = Math.abs(diff) / 1000;
  if (abs < 60) return rtf.format(Math.round(diff / 1000), 'second');
  if (abs < 3600) return rtf.format(Math.round(diff / 60000), 'minute');
  if (abs < 86400) return rtf.format(Math.round(diff / 3600000), 'hour');
  return rtf.format(Math.round(diff / 86400000), 'day');
}
