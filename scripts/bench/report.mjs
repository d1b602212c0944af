/**
 * The summary table: one markdown table for the whole run, plus a header naming the machine and
 * the settings, so figures pasted into the README say where they came from.
 */
import { cpus, totalmem } from 'node:os';

/**
 * @typedef {object} Row
 * @property {string} section e.g. '1 HTTP'
 * @property {string} what
 * @property {string} result absolute figure, formatted
 * @property {string} [p50]
 * @property {string} [p99]
 * @property {string} [baseline] the same-run baseline it is compared with, formatted
 * @property {string} [ratio] against that baseline
 * @property {{ text: string, isMet: boolean }} [aim]
 */

const COLUMNS = ['#', 'Measurement', 'Result', 'p50', 'p99', 'Baseline (same run)', 'vs baseline', 'Aim'];

/** @param {Row} row */
const cells = (row) => [
  row.section, row.what, row.result, row.p50 ?? '', row.p99 ?? '', row.baseline ?? '', row.ratio ?? '',
  row.aim ? `${row.aim.text} (${row.aim.isMet ? 'met' : 'MISSED'})` : '',
];

/**
 * @param {Row[]} rows
 * @param {Record<string, string>} settings
 */
export function renderMarkdown(rows, settings) {
  const cpu = cpus();
  const header = [
    `Tally benchmark, ${new Date().toISOString()}: node ${process.version}, ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ` +
      `${Math.round(totalmem() / 2 ** 30)} GiB RAM, ${process.platform}.`,
    `Settings: ${Object.entries(settings).map(([k, v]) => `${k}=${v}`).join(', ')}.`,
    '',
  ];
  const table = [COLUMNS, COLUMNS.map(() => '---'), ...rows.map(cells)].map((r) => `| ${r.join(' | ')} |`);
  return [...header, ...table, ''].join('\n');
}

/** @param {number} n per second */
export const rate = (n) => `${Math.round(n).toLocaleString('en-US')}/s`;
/** @param {number} ms */
export const ms = (ms) => (Number.isNaN(ms) ? 'n/a' : ms >= 100 ? `${Math.round(ms)} ms` : `${ms.toFixed(2)} ms`);
/** @param {number} s */
export const seconds = (s) => `${s.toFixed(2)} s`;
/** @param {number} r */
export const percent = (r) => `${(r * 100).toFixed(r >= 10 ? 0 : 1)} %`;
/** @param {number} r */
export const times = (r) => (r >= 100 ? `${Math.round(r).toLocaleString('en-US')}×` : `${r.toFixed(1)}×`);
