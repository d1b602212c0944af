/**
 * Replication progress towards each peer, as `/internal/stats` and `/metrics` report it. Read
 * only: the publisher owns the fields it is computed from.
 */
import type { PeerStats } from '@tally/core';
import type { Peer } from '../replication/membership.js';

export function peerStats(peer: Peer, now: number): PeerStats {
  const { lastAckAt } = peer.lag;
  return {
    id: peer.id ?? null,
    url: peer.url,
    lastAckAt: lastAckAt === undefined ? null : new Date(lastAckAt).toISOString(),
    lagSeconds: lastAckAt === undefined ? null : peer.lag.lagSeconds(now),
    pendingCounters: peer.pending.size,
  };
}

/** The `peer` label: the id once known, the URL before. */
export const peerLabel = (peer: Peer): string => peer.id ?? peer.url;
