/**
 * Choosing a server for a client: rendezvous hashing over the members that may be handed out
 * (not suspect) and that the client did not exclude.
 */
import type { Assignment } from '@tally/core';
import { TallyError } from '@tally/core';
import type { Registry } from './registry.js';
import { pickServer } from './rendezvous.js';

/** The server for `client`, or a 503 `no_servers` error that says why there is none. */
export function assignServer(
  registry: Registry,
  client: string,
  exclude: ReadonlySet<string> = new Set(),
): Assignment {
  const candidates = registry.candidates().filter((s) => !exclude.has(s.id));
  const chosen = pickServer(client, candidates);
  if (chosen === undefined) throw noServers(registry, exclude);
  return { id: chosen.id, url: chosen.url };
}

/** A 503 whose message reaches the client: an empty cluster is a state to back off from, not a bug. */
function noServers(registry: Registry, exclude: ReadonlySet<string>): TallyError {
  const { ready, failing, suspect } = registry.countByStatus();
  const why =
    registry.size === 0
      ? 'no counting server is registered'
      : `${registry.size} registered (${ready} ready, ${failing} failing, ${suspect} suspect) and none may be ` +
        `handed out: suspect servers are not, nor excluded ones (excluded: ${exclude.size === 0 ? 'none' : [...exclude].join(',')})`;
  return new TallyError(503, 'no_servers', `no server to assign: ${why}`);
}
