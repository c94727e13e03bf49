// The console's entry: sign-in, the header, the screens behind #/ addresses, keyboard
// shortcuts, and the live stream feeding the queue and the category-1 notices.

import { login, logout, me, onExpired, session } from './api.mjs';
import { $, h, mount, typingIn } from './dom.mjs';
import { getLang, onLangChange, setLang, t, translatePage } from './i18n.mjs';
import * as live from './live.mjs';
import { tickDeadlines } from './labels.mjs';
import { acknowledge, notifyImmediate, onSoundState, refreshNotices, setTitleCount, setupNotices, unlockSound, beep } from './notice.mjs';
import { renderQueue } from './queue.mjs';
import { renderCase } from './case.mjs';
import { renderTerritory } from './territory.mjs';
import { renderProgramme } from './programme.mjs';
import { renderReport } from './report.mjs';
import { renderDiagnosis } from './diagnosis.mjs';

const THEME_KEY = 'vigie.theme';
const main = $('#main');
let view = null;

// Screens each role reaches, the first being its home.
const SCREENS = {
  coordinator: ['queue', 'territory', 'report', 'diagnosis'],
  professional: ['queue', 'territory', 'report'],
  planner: ['programme', 'diagnosis', 'territory'],
  admin: ['programme', 'diagnosis'],
  caregiver: ['report'],
  gateway: [],
};
const SHORTCUTS = { q: 'queue', t: 'territory', p: 'programme', s: 'report', d: 'diagnosis' };

const clinical = (user) => user && (user.role === 'coordinator' || user.role === 'professional');

function status(text) {
  const el = $('#status');
  el.textContent = '';
  setTimeout(() => { el.textContent = text; }, 50);
}

export function navigate(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

// ---- Theme ------------------------------------------------------------------------------

function theme() {
  const saved = localStorage.getItem(THEME_KEY);
  if (saved === 'dark' || saved === 'light') return saved;
  return window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

function applyTheme() {
  document.documentElement.dataset.theme = theme();
}

// ---- Header -----------------------------------------------------------------------------

function renderHeader() {
  const user = me();
  const screens = user ? SCREENS[user.role] || [] : [];
  const current = (location.hash.split('/')[1] || '').replace(/^case$/, 'queue');
  mount($('#nav'), screens.map((s) => h('a', { href: `#/${s}`, 'aria-current': s === current ? 'page' : null, 'aria-keyshortcuts': Object.keys(SHORTCUTS).find((k) => SHORTCUTS[k] === s) }, t(`nav.${s}`))));
  const other = getLang() === 'fr' ? 'en' : 'fr';
  const sound = h('button', { type: 'button', id: 'sound-button', class: 'tool', onclick: () => { unlockSound(); setTimeout(() => beep(false), 50); } });
  onSoundState((state) => {
    sound.dataset.state = state;
    sound.textContent = t(`sound.${state}`);
    sound.hidden = !clinical(user);
    refreshNotices();
  });
  mount($('#tools'),
    sound,
    h('button', { type: 'button', class: 'tool', id: 'theme-button', onclick: () => { localStorage.setItem(THEME_KEY, theme() === 'dark' ? 'light' : 'dark'); applyTheme(); renderHeader(); } }, t(theme() === 'dark' ? 'theme.light' : 'theme.dark')),
    h('button', { type: 'button', class: 'tool', id: 'lang-button', lang: other, onclick: () => setLang(other) }, t('lang.switch')),
    h('button', { type: 'button', class: 'tool', id: 'help-button', 'aria-keyshortcuts': '?', onclick: showHelp }, t('help.button')),
    user ? h('span', { class: 'who' }, `${user.username} · ${t(`role.${user.role}`)}`) : null,
    user ? h('button', { type: 'button', class: 'tool', id: 'logout-button', onclick: signOut }, t('nav.logout')) : null);
}

function showHelp() {
  const dialog = $('#help');
  const rows = [
    ['q', t('help.queue')], ['t', t('help.territory')], ['s', t('help.report')], ['p', t('help.programme')], ['d', t('help.diagnosis')],
    ['↑ ↓ / j k', t('help.move')], ['Enter', t('help.open')], ['c', t('help.claim')], ['r', t('help.release')],
    ['x', t('help.close')], ['n', t('help.note')], ['7 / 3 / 9', t('help.period')], ['Esc', t('help.back')], ['?', t('help.help')],
  ];
  mount(dialog,
    h('h2', { id: 'help-title' }, t('help.title')),
    h('dl', { class: 'shortcuts' }, rows.map(([k, v]) => h('div', {}, h('dt', {}, h('kbd', {}, k)), h('dd', {}, v)))),
    h('form', { method: 'dialog' }, h('button', { class: 'primary', type: 'submit' }, t('common.close'))));
  dialog.setAttribute('aria-labelledby', 'help-title');
  if (!dialog.open) dialog.showModal();
}

// ---- Sign-in ----------------------------------------------------------------------------

function renderLogin(reason) {
  const username = h('input', { id: 'login-user', name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' });
  const password = h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const message = h('p', { class: 'form-message error', role: 'alert' }, reason || '');
  const form = h('form', {
    class: 'login-form',
    onsubmit: async (e) => {
      e.preventDefault();
      unlockSound(); // the click that signs in also lets the console beep
      const button = form.querySelector('button');
      button.disabled = true;
      message.textContent = '';
      try {
        await login(username.value.trim(), password.value);
        start();
      } catch (err) {
        message.textContent = err.status === 401 ? t('login.wrong') : err.status === 0 ? t('error.network') : err.message;
        password.select();
      } finally {
        button.disabled = false;
      }
    },
  },
  h('h1', { id: 'login-title' }, t('login.title')),
  h('p', { class: 'hint' }, t('login.intro')),
  h('div', { class: 'field' }, h('label', { for: 'login-user' }, t('login.username')), username),
  h('div', { class: 'field' }, h('label', { for: 'login-password' }, t('login.password')), password),
  h('button', { type: 'submit', class: 'primary' }, t('login.submit')),
  message);
  mount(main, h('section', { class: 'login-view', 'aria-labelledby': 'login-title' }, form));
  renderHeader();
  username.focus();
}

async function signOut() {
  live.stop();
  acknowledge();
  setTitleCount(0);
  await logout().catch(() => {});
  if (view && view.dispose) view.dispose();
  view = null;
  history.replaceState(null, '', '#/');
  renderLogin();
}

// ---- Screens ----------------------------------------------------------------------------

function route() {
  const user = me();
  if (!user) { renderLogin(); return; }
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const screens = SCREENS[user.role] || [];
  let [name, ...params] = parts;
  if (name === 'case' && screens.includes('queue') && params[0]) name = 'case';
  else if (!screens.includes(name)) {
    if (!screens.length) {
      mount(main, h('section', {}, h('h1', { tabindex: '-1' }, t('app.title')), h('p', {}, t('login.no_console'))));
      renderHeader();
      return;
    }
    history.replaceState(null, '', `#/${screens[0]}`);
    name = screens[0];
    params = [];
  }
  if (view && view.dispose) view.dispose();
  const ctx = { navigate, status, params };
  if (name === 'queue') view = renderQueue(main, ctx);
  else if (name === 'case') view = renderCase(main, params[0], ctx);
  else if (name === 'territory') view = renderTerritory(main, ctx);
  else if (name === 'programme') view = renderProgramme(main, ctx);
  else if (name === 'report') view = renderReport(main, ctx);
  else if (name === 'diagnosis') view = renderDiagnosis(main, ctx);
  document.body.dataset.screen = name;
  renderHeader();
}

// Category-1 notices from the live stream (never from a snapshot or our own answers).
function watchQueue() {
  live.onChange((change) => {
    const c = change.case;
    const open1 = live.queue().filter((x) => x.category === 1 && x.state === 'open').length;
    setTitleCount(open1);
    if (!c || !change.kind.startsWith('case.')) return;
    const prev = change.previous;
    if (c.state !== 'open') { acknowledge(c.id); return; }
    if (c.category !== 1) return;
    if (change.kind === 'case.created' || !prev || prev.category > 1) notifyImmediate(c, 'arrived');
    else if (change.kind === 'case.escalated' && !prev.escalated) notifyImmediate(c, 'escalated');
  });
}

function start() {
  const user = me();
  if (clinical(user)) live.start();
  route();
}

function onKey(event) {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if ($('#help').open) return;
  if (typingIn(event.target)) {
    // Esc leaves the field (what was typed stays); a second Esc then acts on the screen
    if (event.key === 'Escape') event.target.blur();
    return;
  }
  if (view && view.onKey && view.onKey(event)) { event.preventDefault(); return; }
  const user = me();
  if (!user) return;
  if (event.key === '?') { showHelp(); event.preventDefault(); return; }
  const target = SHORTCUTS[event.key];
  if (target && (SCREENS[user.role] || []).includes(target)) { navigate(`#/${target}`); event.preventDefault(); }
}

function boot() {
  applyTheme();
  document.documentElement.lang = getLang();
  translatePage();
  setupNotices($('#notice'), $('#alert-live'), (id) => navigate(`#/case/${id}`));
  $('#skip').addEventListener('click', () => { const target = main.querySelector('h1') || main; target.focus(); });
  window.addEventListener('hashchange', route);
  document.addEventListener('keydown', onKey);
  // any click may unlock the sound (browsers need a gesture)
  document.addEventListener('pointerdown', () => unlockSound(), { once: true });
  onLangChange(() => { translatePage(); if (me()) route(); else renderLogin(); refreshNotices(); });
  onExpired(() => { live.stop(); acknowledge(); setTitleCount(0); if (view && view.dispose) view.dispose(); view = null; renderLogin(t('login.expired')); });
  setInterval(() => tickDeadlines(document), 1000);
  watchQueue();
  if (session()) start(); else renderLogin();
}

boot();
