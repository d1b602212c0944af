/**
 * How the operator commands print: `list`, `slots`, `watch` and `servers` as aligned tables for
 * people, or JSON (counts as decimal strings, as on the wire) with `--json`.
 */
import type { Assignment, MemberView, ServerInfo } from '@tally/core';
import type { CounterEntry, SlotEntry } from './listing.js';

/** Left-aligned columns, two spaces apart; the last column is not padded. */
export function table(rows: readonly string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n');
}

export function formatList(entries: readonly CounterEntry[], isJson: boolean): string {
  if (isJson) return JSON.stringify(entries.map((e) => ({ name: e.name, value: e.value.toString() })));
  if (entries.length === 0) return '(no counters)';
  const width = Math.max(...entries.map((e) => e.name.length));
  return entries.map((e) => `${e.name.padEnd(width)} = ${e.value}`).join('\n');
}

export function formatSlots(slots: readonly SlotEntry[], isJson: boolean): string {
  if (isJson) return JSON.stringify(slots.map((s) => ({ ...s, p: s.p.toString(), n: s.n.toString(), value: s.value.toString() })));
  if (slots.length === 0) return '(never written: no slots)';
  const total = slots.reduce((sum, s) => sum + s.value, 0n);
  const rows = slots.map((s) => [s.slot, s.server, String(s.incarnation), s.p.toString(), s.n.toString(), s.value.toString()]);
  return table([['slot', 'server', 'incarnation', 'p', 'n', 'value'], ...rows, ['total', '', '', '', '', total.toString()]]);
}

export function formatWatchValue(name: string, value: bigint, isJson: boolean): string {
  return isJson ? JSON.stringify({ name, value: value.toString() }) : `${name} = ${value}`;
}

const seconds = (s: number | null | undefined): string => (s === undefined || s === null ? '-' : `${s < 10 ? s.toFixed(1) : Math.round(s)}s`);
const number = (n: number | null | undefined, unit = ''): string => (n === undefined || n === null ? '-' : `${Math.round(n * 10) / 10}${unit}`);

function uptime(s: number | undefined): string {
  if (s === undefined) return '-';
  if (s < 120) return `${Math.floor(s)}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  return `${Math.floor(s / 3600)}h`;
}

/**
 * One line per server: `*` for the one in use, id, status and URL (the columns scripts read),
 * then the load and replication lag the balancer aggregated, labelled, where it has them.
 */
export function formatServers(list: readonly ServerInfo[], current: Assignment | undefined, isJson: boolean, members?: readonly MemberView[]): string {
  if (members !== undefined) return formatWithMembers(list, current, isJson, members);
  if (isJson) return JSON.stringify(list);
  if (list.length === 0) return '(the balancer lists no servers)';
  const rows = list.map((s) => [`${s.id === current?.id ? '*' : ' '} ${s.id}`, s.status, s.url, ...healthFacts(s)]);
  return table(rows);
}

function healthFacts(s: ServerInfo): string[] {
  const facts: string[] = [];
  if (s.incarnation !== undefined) facts.push(`incarnation ${s.incarnation ?? '-'}`);
  if (s.uptimeSeconds !== undefined) facts.push(`up ${uptime(s.uptimeSeconds)}`);
  if (s.incrementsPerSecond !== undefined) facts.push(`${number(s.incrementsPerSecond)} inc/s`);
  if (s.latencyP99Ms !== undefined) facts.push(`p99 ${number(s.latencyP99Ms, 'ms')}`);
  if (s.maxLagSeconds !== undefined || s.peers !== undefined) {
    const byPeer = (s.peers ?? []).map((p) => `${p.id ?? p.url} ${seconds(p.lagSeconds)}`).join(', ');
    facts.push(`lag max ${seconds(s.maxLagSeconds)}${byPeer === '' ? '' : ` (${byPeer})`}`);
  }
  return facts;
}

/**
 * The balancer's view and the member set (a server's `GET /members`) side by side: one line per
 * id in either, `-` for a status the balancer does not have (it dropped or never listed the
 * server), then `member STATE` (or `not a member`) and the last contact. JSON: the balancer's
 * entries with a `member` field, plus `{id, url, status: null, member}` for members it lacks.
 */
function formatWithMembers(list: readonly ServerInfo[], current: Assignment | undefined, isJson: boolean, members: readonly MemberView[]): string {
  const ids = [...new Set([...list.map((s) => s.id), ...members.map((m) => m.id)])].sort();
  const rows = ids.map((id) => {
    const server = list.find((s) => s.id === id);
    const member = members.find((m) => m.id === id);
    return { id, server, member };
  });
  if (isJson) {
    return JSON.stringify(rows.map(({ id, server, member }) => ({
      ...(server ?? { id, url: member?.url ?? '', status: null }),
      member: member === undefined ? null : { state: member.state, epoch: member.epoch, lastContact: member.lastContact },
    })));
  }
  return table(rows.map(({ id, server, member }) => [
    `${id === current?.id ? '*' : ' '} ${id}`,
    server?.status ?? '-',
    server?.url ?? member?.url ?? '',
    member === undefined ? 'not a member' : `member ${member.state}`,
    `last contact ${member?.lastContact ?? '-'}`,
    ...(server === undefined ? [] : healthFacts(server)),
  ]));
}
