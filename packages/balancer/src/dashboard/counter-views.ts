/**
 * The dashboard's counter search and per-slot breakdown, asked of every server that may be handed
 * out. The breakdown is the CRDT merge of their answers (per-slot maximum), so it is at least as
 * fresh as the freshest server. A list value cannot be merged, so each name shows the value of
 * the first server (by id) that lists it.
 */
import type { ServerInfo } from '@tally/core';
import {
  assertCounterName, badRequest, countersPageSchema, slotsAnswerSchema, parseSlotId, pnCounter, TallyError,
  type CounterReplica, type SlotEntry,
} from '@tally/core';
import type { Registry } from '../registry.js';
import type { CallServer } from './server-calls.js';
import type { CounterList, SlotsView } from './wire.js';

export interface ViewDeps {
  registry: Registry;
  callServer: CallServer;
  timeoutMs: number;
}

interface Coverage {
  servers: string[];
  missing: string[];
}

export const MAX_LIST_LIMIT = 1000;

/** `?limit=`: an integer 1..1000, default 100. */
export function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return 100;
  const limit = Number(raw);
  if (!/^[0-9]+$/.test(raw) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw badRequest('bad_limit', `limit must be an integer from 1 to ${MAX_LIST_LIMIT}, got '${raw.slice(0, 20)}'`);
  }
  return limit;
}

export async function listCounters(deps: ViewDeps, prefix: string, limit: number): Promise<CounterList> {
  const query = `values=true&limit=${limit}${prefix === '' ? '' : `&prefix=${encodeURIComponent(prefix)}`}`;
  const { pages, servers, missing } = await fanOut(deps, `/counters?${query}`, (body) => countersPageSchema.safeParse(body));
  const values = new Map<string, string>();
  let hasMore = false;
  for (const page of pages) {
    hasMore ||= page.next !== null;
    for (const { name, value } of page.counters) if (!values.has(name)) values.set(name, value ?? '0');
  }
  const names = [...values.keys()].sort(byCodeUnits);
  const counters = names.slice(0, limit).map((name) => ({ name, value: values.get(name) ?? '0' }));
  return { counters, isTruncated: hasMore || names.length > limit, servers, missing };
}

export async function counterSlots(deps: ViewDeps, name: string): Promise<SlotsView> {
  assertCounterName(name);
  const path = `/counter/${encodeURIComponent(name)}/slots`;
  const { pages, servers, missing } = await fanOut(deps, path, (body) => slotsAnswerSchema.safeParse(body));
  const merged = pnCounter.create();
  for (const page of pages) pnCounter.merge(merged, stateOf(page));
  const slots = [...merged.slots()].sort(([a], [b]) => byCodeUnits(a, b)).map(([slot, { p, n }]) => {
    const parts = parseSlotId(slot);
    return { slot, server: parts?.serverId ?? slot, incarnation: parts?.incarnation ?? 0, p: `${p}`, n: `${n}`, value: `${p - n}` };
  });
  return { name, value: `${pnCounter.value(merged)}`, slots, servers, missing };
}

function stateOf(slots: SlotEntry[]): CounterReplica {
  const state = pnCounter.create();
  for (const s of slots) state.mergeSlot(s.slot, BigInt(s.p), BigInt(s.n));
  return state;
}

type Parse<T> = (body: unknown) => { success: true; data: T } | { success: false };

/**
 * GETs `path` from every candidate at once. A 400 is the caller's mistake (every server would
 * say the same), so it is answered as is; any other failure only leaves that server out (a 401
 * there is the balancer's secret, not the browser's token). No answer at all is a 503.
 */
async function fanOut<T>(deps: ViewDeps, path: string, parse: Parse<T>): Promise<Coverage & { pages: T[] }> {
  const candidates = deps.registry.candidates();
  if (candidates.length === 0) throw new TallyError(503, 'no_servers', 'no counting server is registered and healthy');
  const answers = await Promise.all(candidates.map((s) => deps.callServer(`${s.url}${path}`, deps.timeoutMs)));
  const rejected = answers.find((a) => a.ok && a.status === 400);
  if (rejected?.ok === true) throw passOn(rejected.status, rejected.body);
  const pages: T[] = [];
  const servers: string[] = [];
  const missing: string[] = [];
  candidates.forEach((s: ServerInfo, i) => {
    const answer = answers[i];
    const parsed = answer?.ok === true && answer.status === 200 ? parse(answer.body) : undefined;
    if (parsed?.success === true) {
      pages.push(parsed.data);
      servers.push(s.id);
    } else missing.push(s.id);
  });
  if (pages.length === 0) throw new TallyError(503, 'servers_unavailable', `no server answered ${path.split('?')[0]}: tried ${missing.join(', ')}`);
  return { pages, servers, missing };
}

/** A server's 4xx, with its own code and message when it sent the usual error body. */
function passOn(status: number, body: unknown): TallyError {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const code = typeof error?.code === 'string' ? error.code : `http_${status}`;
  const message = typeof error?.message === 'string' ? error.message : `the servers answered ${status}`;
  return new TallyError(status, code, message);
}

const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
