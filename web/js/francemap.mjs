// A map of départements in plain SVG from GeoJSON outlines (GET /api/diagnosis/map):
// projected here, coloured by class, with selection, zoom, commune dots and numbered
// markers. Keyboard: the map is one tab stop; the arrow keys move between départements
// (in code order), Enter or Space selects, Home and End go to the first and last.

import { svg } from './dom.mjs';

const RAD = Math.PI / 180;

// Lambert conformal conic on the sphere with the parameters of Lambert-93, France's
// official projection (standard parallels 44° and 49° N, origin 46.5° N 3° E), so that
// the shapes are those French readers know. A sphere instead of the GRS80 ellipsoid moves
// nothing visible at a screen's resolution. Returns [x, y] with y growing downwards.
function lambertConformalConic(phi1 = 44, phi2 = 49, phi0 = 46.5, lambda0 = 3) {
  const t = (phi) => Math.tan(Math.PI / 4 + (phi * RAD) / 2);
  const n = Math.log(Math.cos(phi1 * RAD) / Math.cos(phi2 * RAD)) / Math.log(t(phi2) / t(phi1));
  const F = (Math.cos(phi1 * RAD) * t(phi1) ** n) / n;
  const rho0 = F / t(phi0) ** n;
  const SCALE = 6371; // km on the sphere: the viewBox is in kilometres
  return (lon, lat) => {
    const rho = F / t(lat) ** n;
    const theta = n * (lon - lambda0) * RAD;
    return [SCALE * rho * Math.sin(theta), -SCALE * (rho0 - rho * Math.cos(theta))];
  };
}

export const project = lambertConformalConic();

function ringsOf(geometry) {
  if (!geometry) return [];
  if (geometry.type === 'Polygon') return geometry.coordinates;
  if (geometry.type === 'MultiPolygon') return geometry.coordinates.flat();
  return [];
}

function emptyBox() {
  return { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
}

function grow(box, x, y) {
  box.x0 = Math.min(box.x0, x); box.y0 = Math.min(box.y0, y);
  box.x1 = Math.max(box.x1, x); box.y1 = Math.max(box.y1, y);
}

// Projected outlines: [{code, name, d (path data), box}], sorted by code.
export function projectFeatures(geojson) {
  const out = [];
  for (const f of geojson.features || []) {
    const code = f.properties && f.properties.code;
    if (!code) continue;
    const box = emptyBox();
    const d = ringsOf(f.geometry).map((ring) => ring.map(([lon, lat], i) => {
      const [x, y] = project(lon, lat);
      grow(box, x, y);
      return `${i ? 'L' : 'M'}${x.toFixed(1)} ${y.toFixed(1)}`;
    }).join('') + 'Z').join('');
    out.push({ code, name: f.properties.nom || f.properties.name || code, d, box });
  }
  return out.sort((a, b) => a.code.localeCompare(b.code));
}

// map = franceMap({features, label(code) -> accessible name, onSelect(code)})
export function franceMap({ features, label, onSelect, title }) {
  const all = emptyBox();
  for (const f of features) { grow(all, f.box.x0, f.box.y0); grow(all, f.box.x1, f.box.y1); }
  const paths = new Map();
  const outlines = svg('g', { class: 'map-departements' });
  const overlay = svg('g', { class: 'map-overlay', 'aria-hidden': 'true' });
  const dots = svg('g', { class: 'map-dots', 'aria-hidden': 'true' });
  const markers = svg('g', { class: 'map-markers' });
  const labels = svg('g', { class: 'map-labels', 'aria-hidden': 'true' });
  // Selection and focus are drawn over every outline (an outline's own stroke would hide
  // under its neighbours'): copies of the path, without fill.
  const focusRing = svg('path', { class: 'map-focus', d: '', 'aria-hidden': 'true' });
  let box = all;
  let focused = features.length ? features[0].code : null;
  let markerList = [];
  let dotList = [];
  let labelList = [];

  const root = svg('svg', { class: 'map-svg', role: 'group', 'aria-label': title, 'data-zoom': 'france' },
    outlines, dots, overlay, labels, markers, focusRing);

  // A zoom shows at least this many kilometres across, so that a small territory keeps
  // its surroundings.
  const MIN_SPAN_KM = 90;

  function setViewBox(b) {
    if (b !== all) {
      const growBy = (lo, hi) => Math.max(0, MIN_SPAN_KM - (hi - lo)) / 2;
      const gx = growBy(b.x0, b.x1), gy = growBy(b.y0, b.y1);
      b = { x0: b.x0 - gx, x1: b.x1 + gx, y0: b.y0 - gy, y1: b.y1 + gy };
    }
    box = b;
    const pad = Math.max(b.x1 - b.x0, b.y1 - b.y0) * (b === all ? 0.04 : 0.18) + 4; // context around a zoom
    root.setAttribute('viewBox', `${(b.x0 - pad).toFixed(1)} ${(b.y0 - pad).toFixed(1)} ${(b.x1 - b.x0 + 2 * pad).toFixed(1)} ${(b.y1 - b.y0 + 2 * pad).toFixed(1)}`);
    drawDots();
    drawMarkers();
    drawLabels();
  }

  function focusOn(code) {
    const el = paths.get(code);
    if (!el) return;
    if (focused && paths.get(focused)) paths.get(focused).setAttribute('tabindex', '-1');
    focused = code;
    el.setAttribute('tabindex', '0');
    el.focus();
  }

  function onKey(event) {
    const codes = features.map((f) => f.code);
    const at = codes.indexOf(focused);
    let next = null;
    if (event.key === 'ArrowRight' || event.key === 'ArrowDown') next = codes[Math.min(at + 1, codes.length - 1)];
    else if (event.key === 'ArrowLeft' || event.key === 'ArrowUp') next = codes[Math.max(at - 1, 0)];
    else if (event.key === 'Home') next = codes[0];
    else if (event.key === 'End') next = codes[codes.length - 1];
    else if (event.key === 'Enter' || event.key === ' ') { onSelect(focused); event.preventDefault(); return; }
    if (next) { focusOn(next); event.preventDefault(); }
  }

  for (const f of features) {
    const el = svg('path', {
      d: f.d, id: `dep-${f.code}`, class: 'departement choro-none', tabindex: f.code === focused ? '0' : '-1',
      role: 'button', 'aria-pressed': 'false', 'data-code': f.code, 'aria-label': label(f.code),
      onclick: () => { focusOn(f.code); onSelect(f.code); },
      // the ring is for the keyboard; a click shows the selection instead
      onfocus: (e) => { focused = f.code; focusRing.setAttribute('d', e.target.matches(':focus-visible') ? f.d : ''); },
      onblur: () => focusRing.setAttribute('d', ''),
      onkeydown: onKey,
    }, svg('title', {}, label(f.code)));
    paths.set(f.code, el);
    outlines.append(el);
  }

  // Sizes in screen terms: a marker stays the same size whatever the zoom.
  const unit = () => Math.max(box.x1 - box.x0, box.y1 - box.y0) / 100;

  function drawDots() {
    dots.replaceChildren(...dotList.map((p) => {
      const [x, y] = project(p.lon, p.lat);
      return svg('circle', { cx: x.toFixed(1), cy: y.toFixed(1), r: (unit() * 1.1).toFixed(2), class: `commune-dot ${p.cls}` });
    }));
  }

  function drawLabels() {
    const u = unit();
    labels.replaceChildren(...labelList.map((l) => {
      const [x, y] = project(l.lon, l.lat);
      return svg('text', { x: x.toFixed(1), y: (y - u * 2).toFixed(1), 'font-size': (u * 2.4).toFixed(2), 'text-anchor': 'middle' }, l.text);
    }));
  }

  function drawMarkers() {
    const u = unit();
    markers.replaceChildren(...markerList.map((m) => {
      const [x, y] = project(m.lon, m.lat);
      return svg('g', { class: 'site-marker', 'data-code': m.code, role: 'img', 'aria-label': m.label },
        svg('circle', { cx: x.toFixed(1), cy: y.toFixed(1), r: (u * 2.3).toFixed(2) }),
        svg('text', { x: x.toFixed(1), y: (y + u * 0.9).toFixed(1), 'font-size': (u * 2.6).toFixed(2), 'text-anchor': 'middle' }, String(m.rank)),
        svg('title', {}, m.label));
    }));
  }

  setViewBox(all);
  return {
    element: root,
    // cls(code) -> 'choro-0'..'choro-4' or 'choro-none'; neutral draws every one grey
    colour(cls) {
      for (const [code, el] of paths) el.setAttribute('class', `departement ${cls(code)}`);
    },
    relabel() {
      for (const [code, el] of paths) {
        el.setAttribute('aria-label', label(code));
        el.querySelector('title').textContent = label(code);
      }
    },
    select(codes) {
      overlay.replaceChildren(...features.filter((f) => codes.has(f.code)).map((f) => svg('path', { d: f.d, class: 'map-selected', 'data-code': f.code })));
      for (const [code, el] of paths) el.setAttribute('aria-pressed', String(codes.has(code)));
    },
    // Zoom to the départements given (none: France), or to points [{lat, lon}].
    zoom(codes, points = []) {
      const b = emptyBox();
      for (const c of codes || []) {
        const f = features.find((x) => x.code === c);
        if (f) { grow(b, f.box.x0, f.box.y0); grow(b, f.box.x1, f.box.y1); }
      }
      for (const p of points) { const [x, y] = project(p.lon, p.lat); grow(b, x, y); }
      const zoomed = b.x0 < Infinity;
      root.dataset.zoom = zoomed ? 'area' : 'france';
      setViewBox(zoomed ? b : all);
    },
    markers(list) { markerList = list.filter((m) => Number.isFinite(m.lat) && Number.isFinite(m.lon)); drawMarkers(); },
    dots(list) { dotList = list.filter((p) => Number.isFinite(p.lat) && Number.isFinite(p.lon)); drawDots(); },
    labels(list) { labelList = list.filter((p) => Number.isFinite(p.lat) && Number.isFinite(p.lon)); drawLabels(); },
    has: (code) => paths.has(code),
  };
}
