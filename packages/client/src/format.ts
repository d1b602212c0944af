/**
 * How results look: one human line (`pageviews = 42`), or with `--json` one JSON object per line
 * whose counts are decimal strings, as on the wire.
 */
import type { Assignment } from '@tally/core';
import type { TimeoutLevelError } from './errors.js';
import type { ItemsAddResult, ItemsCountResult } from './item-client.js';
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

export function formatUse(server: Assignment, isJson: boolean): string {
  return isJson ? JSON.stringify({ server: server.id, url: server.url }) : `using ${server.id} (${server.url})`;
}

export function formatItemsAdd(result: ItemsAddResult, isJson: boolean): string {
  if (!isJson) return `${result.tenant}: ${result.added} added, ${result.duplicates} duplicates`;
  return JSON.stringify({ tenant: result.tenant, added: result.added, duplicates: result.duplicates, server: result.server.id, url: result.server.url });
}

export function formatItemsCount(result: ItemsCountResult, isJson: boolean): string {
  if (!isJson) return `${result.tenant} items = ${result.count}`;
  return JSON.stringify({ tenant: result.tenant, count: result.count, server: result.server.id, url: result.server.url });
}
