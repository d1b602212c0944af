/**
 * The one place this server speaks HTTP to other processes: peers (replication, counter and state
 * pulls) and the balancer (registration, the server list). Every answer is validated with core's
 * wire schemas before anyone uses it: a peer's bytes are input like any other.
 *
 * Methods answer `undefined` (or `{ isOk: false }`) for a refusal or an invalid answer, and throw
 * for a network error or a timeout; callers decide whether and when to ask again.
 */
import type { Got } from 'got';
import { COMPACT_PAGE_TYPE } from '../counter/compact-page.js';
import { PageError, parseCompactPage, type CompactPage } from './compact-page-read.js';
import {
  MAX_COMPACT_PAGE_BYTES,
  membersFromJSON,
  membersMessageSchema,
  membersToJSON,
  counterPullSchema,
  digestAnswerSchema,
  replicateAckSchema,
  serverListSchema,
  statePageSchema,
  type DigestAnswer,
  type ReplicateAck,
  type ReplicateFrame,
  type Member,
  type MemberSet,
  type ServerInfo,
} from '@tally/core';

/** A peer's counter or state page as validated: its slots are checked one by one on merge. */
export type PulledCounter = ReturnType<typeof counterPullSchema.parse>;
export type PulledPage = ReturnType<typeof statePageSchema.parse>;

/** One page of a state pull: compact, or JSON from a peer that predates the compact format. */
export type StatePull = { format: 'compact'; page: CompactPage } | { format: 'json'; page: PulledPage };

/** A peer's member set, and who it is. */
export interface PeerSet {
  from: string;
  set: MemberSet;
}

export type PushResult = { isOk: true; ack: ReplicateAck } | { isOk: false; status: number; body: string };

/** Parses a 200 answer's JSON with `schema`; undefined when it is not valid. */
function parseAnswer<T>(body: string, schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } }): T | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

const timeout = (timeoutMs: number | undefined): { timeout?: { request: number } } =>
  timeoutMs === undefined ? {} : { timeout: { request: Math.max(1, timeoutMs) } };

export class PeerClient {
  readonly #http: Got;

  /** `http` carries the cluster secret, keep-alive and the default timeout (peer-http.ts). */
  constructor(http: Got) {
    this.#http = http;
  }

  /** Pushes a frame; an ack that does not validate counts as a refusal. */
  async replicate(url: string, frame: ReplicateFrame, timeoutMs?: number): Promise<PushResult> {
    const res = await this.#http.post(`${url}/internal/replicate`, { json: frame, ...timeout(timeoutMs) });
    if (res.statusCode !== 200) return { isOk: false, status: res.statusCode, body: res.body };
    const ack = parseAnswer(res.body, replicateAckSchema);
    return ack === undefined ? { isOk: false, status: 502, body: res.body } : { isOk: true, ack };
  }

  /** One counter's state as the peer holds it. */
  async pullCounter(url: string, name: string, timeoutMs: number): Promise<PulledCounter | undefined> {
    const res = await this.#http.get(`${url}/internal/counter/${encodeURIComponent(name)}`, timeout(timeoutMs));
    return res.statusCode === 200 ? parseAnswer(res.body, counterPullSchema) : undefined;
  }

  /** One page of the peer's whole state. */
  async statePage(url: string, cursor: string, limit: number, timeoutMs: number): Promise<PulledPage | undefined> {
    const res = await this.#http.get(`${url}/internal/state`, { searchParams: { cursor, limit }, ...timeout(timeoutMs) });
    return res.statusCode === 200 ? parseAnswer(res.body, statePageSchema) : undefined;
  }

  /**
   * One page of the peer's whole state for a pull at start, asked in the compact line format:
   * parsed (compact-page-read.ts; a broken page throws a PageError saying why), or a JSON page
   * from a peer too old to know the format. A page past MAX_COMPACT_PAGE_BYTES is cut off and
   * refused; `now` bounds the incarnations it may name.
   */
  async statePull(url: string, cursor: string, timeoutMs: number, now: number): Promise<StatePull | undefined> {
    const request = this.#http.get(`${url}/internal/state`, { searchParams: { format: 'compact', cursor }, responseType: 'buffer', ...timeout(timeoutMs) });
    let isTooBig = false;
    request.on('downloadProgress', ({ transferred }: { transferred: number }) => {
      if (transferred <= MAX_COMPACT_PAGE_BYTES || isTooBig) return;
      isTooBig = true;
      request.cancel();
    });
    const res = await request.catch((err: unknown) => {
      throw isTooBig ? new PageError(`the page passed ${MAX_COMPACT_PAGE_BYTES} bytes, the cap of a compact page`) : err;
    });
    if (res.statusCode !== 200) return undefined;
    const type = res.headers['content-type'] ?? '';
    if (type.startsWith(COMPACT_PAGE_TYPE)) return { format: 'compact', page: parseCompactPage(res.body, now) };
    if (!type.startsWith('application/json')) throw new PageError(`a state page is ${COMPACT_PAGE_TYPE} or JSON, got '${type.slice(0, 80)}'`);
    const page = parseAnswer(res.body.toString('utf8'), statePageSchema);
    return page === undefined ? undefined : { format: 'json', page };
  }

  /** The child hashes of nodes `nodes` of level `level` of the peer's digest. */
  async digest(url: string, level: number, nodes: readonly number[], timeoutMs?: number): Promise<DigestAnswer | undefined> {
    const res = await this.#http.get(`${url}/internal/digest`, { searchParams: { level, nodes: nodes.join(',') }, ...timeout(timeoutMs) });
    return res.statusCode === 200 ? parseAnswer(res.body, digestAnswerSchema) : undefined;
  }

  /** One page of the counters the peer holds in digest leaves `leaves`. */
  async leaves(url: string, leaves: readonly number[], cursor: string, timeoutMs?: number): Promise<PulledPage | undefined> {
    const res = await this.#http.get(`${url}/internal/leaves`, { searchParams: { ids: leaves.join(','), cursor }, ...timeout(timeoutMs) });
    return res.statusCode === 200 ? parseAnswer(res.body, statePageSchema) : undefined;
  }

  /** Registers (or heartbeats) with the balancer; answers the HTTP status and body. */
  async register(balancer: string, self: { id: string; url: string }): Promise<{ status: number; body: string }> {
    const res = await this.#http.post(`${balancer}/servers`, { json: self });
    return { status: res.statusCode, body: res.body };
  }

  /** The balancer's list of servers. */
  async listServers(balancer: string): Promise<ServerInfo[] | undefined> {
    const res = await this.#http.get(`${balancer}/servers`);
    return res.statusCode === 200 ? parseAnswer(res.body, serverListSchema) : undefined;
  }

  /** Swaps member sets: the peer merges ours and answers its own (merged). Throws on any failure. */
  exchangeMembers(url: string, mine: { from: string; set: MemberSet }, timeoutMs: number): Promise<PeerSet> {
    return this.#postForSet(`${url}/internal/members`, { from: mine.from, members: membersToJSON(mine.set) }, timeoutMs);
  }

  /** Announces a joiner to a member, which persists it before answering with its set. */
  announceJoin(url: string, member: Member, timeoutMs: number): Promise<PeerSet> {
    return this.#postForSet(`${url}/internal/join`, { member }, timeoutMs);
  }

  async #postForSet(url: string, json: unknown, timeoutMs: number): Promise<PeerSet> {
    const res = await this.#http.post(url, { json, ...timeout(timeoutMs) });
    if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}: ${res.body.slice(0, 200)}`);
    const message = parseAnswer(res.body, membersMessageSchema);
    if (message === undefined) throw new Error(`${url} answered something that is not a member set`);
    return { from: message.from, set: membersFromJSON(message.members) };
  }
}
