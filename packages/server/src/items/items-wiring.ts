/**
 * Wires the item set (issue 9) and the `POST /config` actors into a counting server: the item
 * set's keyspace (the keyed-state engine with the item type), and the actors read from the data
 * dir becoming static peers. createApp calls it once; nothing else does.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ItemSet, ServerConfig } from '@tally/core';
import { createPeerHttp } from '../replication/peer-http.js';
import type { Replicator } from '../replication/replicator.js';
import type { ActorsFile } from '../state/actors-file.js';
import type { KeyedLogPort } from '../keyspace/keyed-log.js';
import { Keyspace } from '../keyspace/keyspace.js';
import type { KeyedService } from '../keyspace/keyed-service.js';
import { itemType } from './item-type.js';

export type ItemService = KeyedService<ItemSet, bigint>;

export interface ItemsDeps {
  /** The actors `POST /config` persisted; without it they live in memory only. */
  actors?: ActorsFile;
  /** The item set's durable log; in memory when absent (unit tests). */
  itemLog?: KeyedLogPort;
  /** Names this run of the server in item tokens and acks; random when absent. */
  boot?: string;
}

export interface ItemsWiring {
  service: ItemService;
  /** For the config routes: persists posted actors (absent: memory only). */
  actorsSaver: { saveActors?: (urls: readonly string[]) => Promise<void> };
  /** Starts the publish and repair rounds (after recovery). */
  start(): void;
  /** Stops the rounds, sends new ids once more (bounded), closes the log. */
  close(): Promise<void>;
}

export function createItems(
  config: ServerConfig,
  deps: ItemsDeps & { id: string; log: Logger; onRefused?: (reason: 'limit', count: number) => void },
  replicator: Replicator,
): ItemsWiring {
  const settings = {
    ...config,
    // fullSyncIntervalMs is the old name of antiEntropyIntervalMs, as for counters.
    antiEntropyIntervalMs: config.antiEntropyIntervalMs ?? config.fullSyncIntervalMs,
  };
  const keyspace = new Keyspace(itemType, settings, {
    self: { id: deps.id, boot: deps.boot ?? randomUUID() },
    ...(deps.itemLog !== undefined && { log: deps.itemLog }),
    http: createPeerHttp({ secret: config.secret, timeoutMs: config.requestTimeoutMs }),
    peers: () => replicator.peers(),
    logger: deps.log,
    maxParts: config.maxItems,
    ...(deps.onRefused !== undefined && { onRefused: deps.onRefused }),
  });
  replicator.setActors(deps.actors?.saved ?? []);
  const { actors } = deps;
  return {
    service: keyspace.service,
    actorsSaver: actors === undefined ? {} : { saveActors: (urls) => actors.save(urls) },
    start: () => keyspace.start(),
    close: () => keyspace.close(),
  };
}
