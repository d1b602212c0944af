/**
 * Rendezvous (highest-random-weight) hashing: a client goes to the server whose hash of
 * (client, server id) is highest. Every balancer picks the same server without shared state,
 * a client keeps its server while that server stays a candidate, and when a server leaves only
 * the clients that were on it move (each to its own second choice, so they spread evenly).
 */
import { createHash } from 'node:crypto';

/**
 * The weight of `serverId` for `client`: the first 64 bits of SHA-1 over `client \0 serverId`.
 * A cryptographic hash, not FNV: rendezvous needs the weights of similar ids (`s1`, `s2`) to be
 * independent, or some servers win far more than their share.
 */
export function weight(client: string, serverId: string): bigint {
  return createHash('sha1').update(`${client}\0${serverId}`, 'utf8').digest().readBigUInt64BE(0);
}

/**
 * The server `client` goes to among `servers`, or undefined when there are none. Equal weights
 * (astronomically rare) go to the smaller id, so the answer never depends on the list order.
 */
export function pickServer<S extends { id: string }>(client: string, servers: readonly S[]): S | undefined {
  let best: S | undefined;
  let bestWeight = -1n;
  for (const server of servers) {
    const w = weight(client, server.id);
    if (w > bestWeight || (w === bestWeight && best !== undefined && server.id < best.id)) {
      best = server;
      bestWeight = w;
    }
  }
  return best;
}
