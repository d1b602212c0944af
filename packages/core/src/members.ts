/**
 * The member set: the servers that consistency levels count. Like the counters, it is a
 * state-based CRDT: `mergeMembers` is commutative, associative and idempotent, so servers that
 * swap sets in any order, any number of times, over any path, end up with the same set.
 *
 * The rules, all kept by `mergeMember` (the only function that combines two records):
 * - The set only grows: a merge never drops an id. Leaving is a state, not a removal.
 * - Per id, the higher `epoch` wins outright. An id that was decommissioned comes back only as a
 *   new member, with a higher epoch (its new life starts when it rejoins).
 * - Within one epoch, `decommissioned` is final: active < decommissioned.
 * - The URL announced last wins (higher `urlAt`; a tie goes to the larger URL string, so every
 *   server picks the same one), so a server that moved spreads its new address.
 * - `lastContactAt` is the latest time anyone heard from the member (max).
 *
 * Pure data and pure functions: persistence and exchange are the server's.
 */
import { z } from 'zod';
import { TallyError } from './errors.js';
import { isServerId } from './names.js';
import { parseJsonSafely } from './safe-json.js';

export type MemberState = 'active' | 'decommissioned';

export interface Member {
  id: string;
  /** Which life of this id; a rejoin after a decommission has a higher one. */
  epoch: number;
  url: string;
  /** When `url` was announced (ms since the epoch); the newest announcement wins. */
  urlAt: number;
  state: MemberState;
  /** The latest time (ms) any server heard from this member; 0 = never. */
  lastContactAt: number;
}

export type MemberSet = ReadonlyMap<string, Member>;

const STATE_RANK: Record<MemberState, number> = { active: 0, decommissioned: 1 };

export const createMembers = (): MemberSet => new Map();

/** Combines two records of the same id by the rules above. */
export function mergeMember(a: Member, b: Member): Member {
  if (a.epoch !== b.epoch) return a.epoch > b.epoch ? a : b;
  const isBNewerUrl = b.urlAt > a.urlAt || (b.urlAt === a.urlAt && b.url > a.url);
  const newer = isBNewerUrl ? b : a;
  return {
    id: a.id,
    epoch: a.epoch,
    url: newer.url,
    urlAt: newer.urlAt,
    state: STATE_RANK[b.state] > STATE_RANK[a.state] ? b.state : a.state,
    lastContactAt: Math.max(a.lastContactAt, b.lastContactAt),
  };
}

/** The union of two sets, records of one id merged by `mergeMember`. */
export function mergeMembers(a: MemberSet, b: MemberSet): MemberSet {
  const out = new Map(a);
  for (const [id, member] of b) {
    const mine = out.get(id);
    out.set(id, mine === undefined ? member : mergeMember(mine, member));
  }
  return out;
}

/** `set` with one more record merged in. */
export const withMember = (set: MemberSet, member: Member): MemberSet => mergeMembers(set, new Map([[member.id, member]]));

/** Marks a member decommissioned in its current epoch; undefined when the id is unknown. */
export function decommissionMember(set: MemberSet, id: string): MemberSet | undefined {
  const member = set.get(id);
  if (member === undefined) return undefined;
  return withMember(set, { ...member, state: 'decommissioned' });
}

/** Members that levels count (every state but decommissioned), sorted by id. */
export const activeMembers = (set: MemberSet): Member[] => membersToJSON(set).filter((m) => m.state === 'active');

export const isActiveMember = (set: MemberSet, id: string): boolean => set.get(id)?.state === 'active';

/** True when both sets hold the same records (lastContactAt included). */
export function equalMembers(a: MemberSet, b: MemberSet): boolean {
  if (a.size !== b.size) return false;
  for (const [id, m] of a) {
    const o = b.get(id);
    if (o === undefined || o.epoch !== m.epoch || o.url !== m.url || o.urlAt !== m.urlAt || o.state !== m.state || o.lastContactAt !== m.lastContactAt) return false;
  }
  return true;
}

/** True when `a` and `b` differ in anything but last contact: what is worth persisting. */
export function differsDurably(a: MemberSet, b: MemberSet): boolean {
  const strip = (s: MemberSet): MemberSet => new Map([...s].map(([id, m]) => [id, { ...m, lastContactAt: 0 }]));
  return !equalMembers(strip(a), strip(b));
}

const ms = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
export const memberSchema = z.strictObject({
  id: z.string().refine(isServerId, { message: 'not a server id' }),
  epoch: ms.min(1),
  url: z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, '')),
  urlAt: ms,
  state: z.enum(['active', 'decommissioned']),
  lastContactAt: ms,
});
/** The wire and file form of a set: its records, sorted by id. */
export const memberListSchema = z.array(memberSchema).max(10_000);

/** Records sorted by id (code units, so every server lists them in the same order). */
export const membersToJSON = (set: MemberSet): Member[] => [...set.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

/** A set from records; duplicates of an id are merged, not rejected. */
export const membersFromJSON = (list: readonly Member[]): MemberSet => list.reduce<MemberSet>((set, m) => withMember(set, m), createMembers());

/** `POST /internal/members` body and answer: a server's whole set, to merge, and who sent it. */
export const membersMessageSchema = z.strictObject({
  from: z.string().refine(isServerId, { message: 'not a server id' }),
  members: memberListSchema,
});
export type MembersMessage = z.infer<typeof membersMessageSchema>;

/** `POST /internal/join` body: the joiner's own record. The answer is a `MembersMessage`. */
export const joinRequestSchema = z.strictObject({ member: memberSchema });

/** `GET /members` entries: the set as one server sees it. */
export interface MemberView {
  id: string;
  url: string;
  state: MemberState;
  epoch: number;
  /** ISO time this server (or a server it talked to) last heard from the member; null = never. */
  lastContact: string | null;
}
export const memberViewSchema = z.object({
  id: z.string(),
  url: z.string(),
  state: z.enum(['active', 'decommissioned']),
  epoch: z.number(),
  lastContact: z.string().nullable(),
});
export const memberViewListSchema = z.array(memberViewSchema);

export const memberView = (m: Member): MemberView => ({
  id: m.id,
  url: m.url,
  state: m.state,
  epoch: m.epoch,
  lastContact: m.lastContactAt === 0 ? null : new Date(m.lastContactAt).toISOString(),
});

/** Parses JSON text with `schema`; a 400 that names the expected shape and the first problem. */
export function parseMemberJson<T>(text: string, schema: z.ZodType<T>, what: string): T {
  const parsed = schema.safeParse(parseJsonSafely(text, `body (${what})`));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TallyError(400, 'bad_members', `body must be ${what}: at ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return parsed.data;
}
