/**
 * Taking this server out of the cluster for good (`POST /internal/decommission`, sent by the
 * balancer's `DELETE /servers/:id`):
 *
 * 1. stop taking writes, and let the ones in flight finish;
 * 2. push our whole state (our frozen and live slots included) to every active member, until
 *    each has acknowledged (a receiver persists a frame before it acknowledges);
 * 3. only then mark ourselves decommissioned (persisted) and tell every member.
 *
 * If a member doesn't acknowledge in time, nothing is decommissioned and writes resume: exiting
 * then could lose increments only we hold. `?force=true` on the balancer is the way out for a
 * server that can't be reached, and the docs say what that costs.
 */
import { TallyError } from '@tally/core';
import type { CountingNode } from '../node.js';
import type { Peer } from '../replication/membership.js';
import type { MemberBook } from './member-book.js';
import { exchangeMembers } from './member-client.js';

export interface DecommissionReport {
  id: string;
  decommissioned: true;
  /** Members that acknowledged our final state. */
  pushedTo: string[];
}

const RETRY_MS = 100;

export async function decommissionSelf(node: CountingNode, book: MemberBook, timeoutMs: number): Promise<DecommissionReport> {
  await node.stopWrites(timeoutMs);
  const members = node.membership.levelPeers();
  const deadline = Date.now() + timeoutMs;
  const results = await Promise.all(members.map((peer) => pushEverything(node, peer, deadline)));
  const missing = members.filter((_, i) => results[i] !== true).map((p) => `${p.id ?? '?'} (${p.url})`);
  if (missing.length > 0) {
    node.resumeWrites();
    throw new TallyError(503, 'decommission_incomplete', `could not push this server's final counts to ${missing.join(', ')} within ${timeoutMs} ms; nothing was decommissioned and writes resumed. Retry when they are reachable, or use ?force=true on a server that can't be reached`);
  }
  await book.decommission(book.selfId);
  const { http, config } = node.deps;
  await Promise.all(members.map((peer) => exchangeMembers(http, peer.url, { from: book.selfId, set: book.set }, config.requestTimeoutMs).then((theirs) => book.merge(theirs.set), () => undefined)));
  node.deps.log.warn({ pushedTo: members.map((p) => p.id ?? p.url) }, 'decommissioned: final counts pushed to every member');
  return { id: book.selfId, decommissioned: true, pushedTo: members.map((p) => p.id ?? p.url) };
}

/** Sends every frame of our state to one peer, retrying until the deadline; true when all landed. */
async function pushEverything(node: CountingNode, peer: Peer, deadline: number): Promise<boolean> {
  for (const frame of node.publisher.fullFrames()) {
    let isSent = false;
    while (!isSent && Date.now() < deadline) {
      isSent = await node.publisher.sendFrame(peer, frame, Math.max(1, deadline - Date.now()));
      if (!isSent) await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
    if (!isSent) return false;
  }
  return true;
}
