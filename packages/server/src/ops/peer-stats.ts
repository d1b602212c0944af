/**
 * Replication progress towards each peer, as `/internal/stats` and `/metrics` report it. Read
 * only: the publisher owns the fields it is computed from.
 */
import type { PeerStats } from '@tally/core';
import type { Peer } from '../replication/membership.js';

export function peerStats(peer: Peer, now: number): PeerStats {
  return {
    id: peer.id ?? null,
    url: peer.url,
    lastAckAt: peer.lastAckAt === undefined ? null : new Date(peer.lastAckAt).toISOString(),
    lagSeconds: peer.lastAckAt === undefined ? null : secondsSince(peer.lastAckAt, now),
    pendingCounters: peer.pending.size,
  };
}

/**
 * The lag gauge: seconds since the last acknowledgement, or since the peer was added when it never
 * acknowledged anything, so a peer that is down from the start shows a growing lag too.
 */
export const lagSeconds = (peer: Peer, now: number): number => secondsSince(peer.lastAckAt ?? peer.addedAt, now);

/** The `peer` label: the id once known, the URL before. */
export const peerLabel = (peer: Peer): string => peer.id ?? peer.url;

const secondsSince = (at: number, now: number): number => Math.max(0, Math.round(now - at) / 1000);
