// The notice of a category-1 case: a banner that stays until acknowledged, a sentence in
// the assertive live region for screen readers, a beep (Web Audio, no sound file) and the
// count in the tab's title.
//
// Browsers only let a page make sound after a gesture on it: the login click unlocks the
// audio; after a reload the header shows a "sound off" button until the next click.

import { h, mount } from './dom.mjs';
import { t } from './i18n.mjs';

let audio = null;
const soundListeners = new Set();

function context() {
  if (!audio) {
    const Ctor = window.AudioContext || window.webkitAudioContext;
    if (!Ctor) return null;
    audio = new Ctor();
    audio.onstatechange = () => notifySound();
  }
  return audio;
}

function notifySound() {
  for (const fn of soundListeners) fn(soundState());
}

// 'on' when a beep would be heard, 'blocked' until a gesture, 'none' without Web Audio.
export function soundState() {
  if (!(window.AudioContext || window.webkitAudioContext)) return 'none';
  return audio && audio.state === 'running' ? 'on' : 'blocked';
}

export function onSoundState(fn) {
  soundListeners.add(fn);
  fn(soundState());
}

// Call from a click or key handler: lets the page make sound from then on.
export function unlockSound() {
  const ctx = context();
  if (ctx && ctx.state !== 'running') ctx.resume().then(notifySound, notifySound);
  notifySound();
}

// Three short tones, loud enough to wake, short enough not to startle (about 0.7 s).
export function beep(urgent = true) {
  const ctx = context();
  if (!ctx || ctx.state !== 'running') return false;
  const tones = urgent ? [880, 660, 880] : [660];
  tones.forEach((frequency, i) => {
    const start = ctx.currentTime + i * 0.24;
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = 'sine';
    osc.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.3, start + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.2);
    osc.connect(gain).connect(ctx.destination);
    osc.start(start);
    osc.stop(start + 0.22);
  });
  return true;
}

const pending = new Map(); // case id -> case, category-1 cases not yet acknowledged
let banner = null;
let liveRegion = null;
let openCase = () => {};

export function setupNotices(bannerEl, liveEl, onOpen) {
  banner = bannerEl;
  liveRegion = liveEl;
  openCase = onOpen;
}

// Says something to screen readers (assertive: category-1 news interrupts).
export function announce(text) {
  if (!liveRegion) return;
  liveRegion.textContent = '';
  // a new node each time, so that the same sentence twice is read twice
  window.setTimeout(() => { liveRegion.textContent = text; }, 50);
}

function render() {
  if (!banner) return;
  if (pending.size === 0) {
    banner.hidden = true;
    mount(banner);
    return;
  }
  const list = [...pending.values()];
  banner.hidden = false;
  banner.dataset.count = String(list.length);
  banner.dataset.sound = soundState();
  mount(banner,
    h('strong', { class: 'notice-title', id: 'notice-title' }, t('notice.title', { n: list.length })),
    h('ul', { class: 'notice-list' }, list.map((c) => h('li', {},
      h('button', {
        class: 'link', type: 'button', 'data-case': c.id,
        onclick: () => { acknowledge(c.id); openCase(c.id); },
      }, `${c.title} · ${c.patient}`)))),
    soundState() === 'on' ? null : h('span', { class: 'notice-mute' }, t('notice.sound_blocked')),
    h('button', { type: 'button', class: 'secondary', onclick: () => acknowledge() }, t('notice.ack')));
}

// A case became category 1 (created so, raised to it, or escalated while at it).
export function notifyImmediate(c, reason) {
  const fresh = !pending.has(c.id);
  pending.set(c.id, c);
  const played = beep(true);
  if (banner) banner.dataset.beeps = String(Number(banner.dataset.beeps || 0) + (played ? 1 : 0));
  render();
  if (fresh || reason === 'escalated') {
    announce(t(reason === 'escalated' ? 'notice.spoken_escalated' : 'notice.spoken', { title: c.title, patient: c.patient }));
  }
}

// Acknowledges one case (opened) or all of them.
export function acknowledge(id) {
  if (id === undefined) pending.clear();
  else pending.delete(Number(id));
  render();
}

export function refreshNotices() {
  render();
}

// The tab's title shows how many category-1 cases wait, for a console in the background.
export function setTitleCount(n) {
  document.title = n > 0 ? `(${n}) ${t('app.title')}` : t('app.title');
}
