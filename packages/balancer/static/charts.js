// The two charts, drawn as inline SVG from plain data: no library, no canvas, so tests and
// screen readers can read every bar.
import * as fmt from './format.js';

const SVG = 'http://www.w3.org/2000/svg';

function el(name, attrs = {}, text) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Cluster increments/s over time, in a 160×32 box; the y axis starts at 0. */
export function drawSparkline(svg, history) {
  svg.replaceChildren();
  if (history.length < 2) return;
  const t0 = history[0].at;
  const span = Math.max(1, history[history.length - 1].at - t0);
  const top = Math.max(1, ...history.map((p) => p.incrementsPerSecond));
  const points = history.map((p) => [((p.at - t0) / span) * 160, 31 - (p.incrementsPerSecond / top) * 29]);
  const line = points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ');
  svg.append(el('polygon', { class: 'area', points: `0,32 ${line} 160,32` }), el('polyline', { class: 'line', points: line }));
  svg.setAttribute('data-points', String(history.length));
  svg.append(el('title', {}, `peak ${fmt.rate(top)}/s over the last ${Math.round(span / 1000)} s`));
}

const ROW = 34;
const LABEL = 170;
const VALUE = 120;

/** One horizontal bar per slot (server and incarnation), from a zero line; negatives go left. */
export function drawBreakdown(container, slots) {
  if (slots.length === 0) {
    container.replaceChildren(Object.assign(document.createElement('p'), { className: 'empty', textContent: 'This counter was never written.' }));
    return;
  }
  const width = Math.max(360, container.clientWidth);
  const values = slots.map((s) => Number(s.value));
  const low = Math.min(0, ...values);
  const high = Math.max(0, ...values, low === 0 ? 1 : 0);
  const plot = width - LABEL - VALUE;
  const x = (v) => LABEL + ((v - low) / (high - low)) * plot;
  const svg = el('svg', { viewBox: `0 0 ${width} ${slots.length * ROW + 8}`, role: 'img', 'aria-label': 'value per slot' });
  svg.append(el('line', { class: 'axis', x1: x(0), x2: x(0), y1: 0, y2: slots.length * ROW + 8 }));
  slots.forEach((slot, i) => svg.append(barRow(slot, i, x)));
  container.replaceChildren(svg);
}

function barRow(slot, i, x) {
  const value = Number(slot.value);
  const y = i * ROW + 4;
  const from = Math.min(x(0), x(value));
  const g = el('g', { 'data-slot': slot.slot, 'data-value': slot.value });
  g.append(
    el('title', {}, `${slot.slot}: +${fmt.count(slot.p)} / −${fmt.count(slot.n)} = ${fmt.count(slot.value)}`),
    el('text', { x: 0, y: y + 13 }, slot.server),
    el('text', { class: 'sub', x: 0, y: y + 27 }, fmt.incarnation(slot.incarnation)),
    el('rect', { class: value < 0 ? 'bar negative' : 'bar', x: from, y: y + 4, height: ROW - 12, rx: 2, width: Math.max(value === 0 ? 0 : 2, Math.abs(x(value) - x(0))) }),
    el('text', { class: 'val', x: Math.max(x(0), x(value)) + 8, y: y + 19 }, fmt.count(slot.value)),
  );
  return g;
}
