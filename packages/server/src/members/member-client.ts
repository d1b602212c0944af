/**
 * Member calls to one peer: swap sets (gossip), announce a join. Every answer is validated with
 * core's schemas before anything of it is merged; every call has a timeout.
 */
import type { Got } from 'got';
import { membersFromJSON, membersMessageSchema, membersToJSON, type Member, type MemberSet } from '@tally/core';

export class MemberCallError extends Error {}

export interface PeerSet {
  /** The id of the server that answered. */
  from: string;
  set: MemberSet;
}

async function postForSet(http: Got, url: string, json: unknown, timeoutMs: number): Promise<PeerSet> {
  const res = await http.post(url, { json, timeout: { request: timeoutMs } });
  if (res.statusCode !== 200) throw new MemberCallError(`${url} answered ${res.statusCode}: ${res.body.slice(0, 200)}`);
  const parsed = membersMessageSchema.safeParse(JSON.parse(res.body));
  if (!parsed.success) throw new MemberCallError(`${url} answered an invalid member set: ${parsed.error.issues[0]?.message}`);
  return { from: parsed.data.from, set: membersFromJSON(parsed.data.members) };
}

/** Sends our set to a peer, which merges it; resolves to the peer's merged set. */
export function exchangeMembers(http: Got, peerUrl: string, mine: { from: string; set: MemberSet }, timeoutMs: number): Promise<PeerSet> {
  return postForSet(http, `${peerUrl}/internal/members`, { from: mine.from, members: membersToJSON(mine.set) }, timeoutMs);
}

/** Announces a joiner to a member, which persists it before answering with its set. */
export function announceJoin(http: Got, memberUrl: string, member: Member, timeoutMs: number): Promise<PeerSet> {
  return postForSet(http, `${memberUrl}/internal/join`, { member }, timeoutMs);
}
