/**
 * How results look: one human line (`pageviews = 42`), or with `--json` one JSON object per line
 * whose counts are decimal strings, as on the wire.
 */
import type { Assignment, MemberView, ServerInfo } from '@tally/core';
import type { TimeoutLevelError } from './errors.js';
import type { IncrementResult, ReadResult } from './tally-client.js';

export function formatIncrement(result: IncrementResult, isJson: boolean): string {
  if (!isJson) return `${result.name} = ${result.value}`;
  return JSON.stringify({
    name: result.name,
    value: result.value.toString(),
    server: result.server.id,
    url: result.server.url,
    key: result.key,
    slot: result.slot,
    seq: result.seq,
  });
}

export function formatRead(result: ReadResult, isJson: boolean): string {
  if (!isJson) return `${result.name} = ${result.value}`;
  return JSON.stringify({ name: result.name, value: result.value.toString(), server: result.server.id, url: result.server.url });
}

/** The best value of a 408, for scripts that still want it (the error line goes to stderr). */
export function formatLevelTimeout(err: TimeoutLevelError, isJson: boolean): string | undefined {
  if (err.value === undefined) return undefined;
  if (!isJson) return `${err.counter} = ${err.value}`;
  return JSON.stringify({
    name: err.counter,
    value: err.value.toString(),
    server: err.server.id,
    url: err.server.url,
    applied: err.applied,
    timeout: true,
    acks: err.acks,
    required: err.required,
  });
}

/**
 * A table with `*` marking the server in use, or a JSON array. With `members` (a server's
 * `GET /members`), the balancer's view and the member set side by side, one row per id in
 * either: id, balancer status (`-` when it does not list the id), member state, URL, last contact.
 */
export function formatServers(list: readonly ServerInfo[], current: Assignment | undefined, isJson: boolean, members?: readonly MemberView[]): string {
  if (members !== undefined) return formatSideBySide(list, current, isJson, members);
  if (isJson) return JSON.stringify(list);
  if (list.length === 0) return '(the balancer lists no servers)';
  const idWidth = Math.max(...list.map((s) => s.id.length));
  return list
    .map((s) => `${s.id === current?.id ? '*' : ' '} ${s.id.padEnd(idWidth)}  ${s.status.padEnd(7)}  ${s.url}`)
    .join('\n');
}

export function formatUse(server: Assignment, isJson: boolean): string {
  return isJson ? JSON.stringify({ server: server.id, url: server.url }) : `using ${server.id} (${server.url})`;
}

function formatSideBySide(list: readonly ServerInfo[], current: Assignment | undefined, isJson: boolean, members: readonly MemberView[]): string {
  const ids = [...new Set([...list.map((s) => s.id), ...members.map((m) => m.id)])].sort();
  const rows = ids.map((id) => {
    const server = list.find((s) => s.id === id);
    const member = members.find((m) => m.id === id);
    return { id, url: member?.url ?? server?.url ?? '', status: server?.status ?? null, member: member === undefined ? null : { state: member.state, epoch: member.epoch, lastContact: member.lastContact } };
  });
  if (isJson) return JSON.stringify(rows);
  // No header row: one line per server, as without members, so scripts that count lines still work.
  const cells = rows.map((r) => ({ id: r.id, status: r.status ?? '-', member: r.member?.state ?? 'not-a-member', url: r.url, contact: r.member?.lastContact ?? '-' }));
  const width = (key: 'id' | 'status' | 'member' | 'url'): number => Math.max(...cells.map((c) => c[key].length));
  return cells
    .map((c) => `${c.id === current?.id ? '*' : ' '} ${c.id.padEnd(width('id'))}  ${c.status.padEnd(width('status'))}  ${c.member.padEnd(width('member'))}  ${c.url.padEnd(width('url'))}  ${c.contact}`)
    .join('\n');
}
