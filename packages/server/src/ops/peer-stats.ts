/**
 * Replication progress towards each peer, as `/internal/stats` and `/metrics` report it. Read
 * only: the replicator owns the progress it is computed from.
 */
import type { PeerStats } from '@tally/core';
import type { Peer } from '../replication/membership.js';
import type { PeerProgressView } from '../replication/replicator.js';

export function peerStats({ peer, lag, pendingCounters }: PeerProgressView, now: number): PeerStats {
  const { lastAckAt } = lag;
  return {
    id: peer.id ?? null,
    url: peer.url,
    lastAckAt: lastAckAt === undefined ? null : new Date(lastAckAt).toISOString(),
    lagSeconds: lastAckAt === undefined ? null : lag.lagSeconds(now),
    pendingCounters,
  };
}

/** The `peer` label: the id once known, the URL before. */
export const peerLabel = (peer: Peer): string => peer.id ?? peer.url;
