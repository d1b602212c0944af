// Numbers as an operator reads them: grouped digits, short units, a dash for "unknown".

const DASH = '–';

/** A decimal string of any size, with digit grouping (BigInt keeps it exact). */
export function count(decimal) {
  if (decimal === undefined || decimal === null) return DASH;
  try {
    return BigInt(decimal).toLocaleString('en-US');
  } catch {
    return String(decimal);
  }
}

export function rate(perSecond) {
  if (typeof perSecond !== 'number') return DASH;
  if (perSecond >= 100) return Math.round(perSecond).toLocaleString('en-US');
  return perSecond.toLocaleString('en-US', { maximumFractionDigits: 1 });
}

export function ms(value) {
  if (typeof value !== 'number') return DASH;
  return value < 10 ? `${value.toFixed(2)} ms` : `${Math.round(value)} ms`;
}

export function seconds(value) {
  if (typeof value !== 'number') return DASH;
  if (value < 10) return `${value.toFixed(1)} s`;
  if (value < 120) return `${Math.round(value)} s`;
  return duration(value);
}

/** 3d 4h, 2h 05m, 7m 12s, 42s. */
export function duration(totalSeconds) {
  if (typeof totalSeconds !== 'number') return DASH;
  const s = Math.floor(totalSeconds);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/** An incarnation is the epoch ms its slot was started at: show when, in UTC. */
export function incarnation(value) {
  if (typeof value !== 'number') return DASH;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function time(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? DASH : date.toLocaleTimeString('en-GB');
}
