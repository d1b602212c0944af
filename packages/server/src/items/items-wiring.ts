/**
 * Wires the item set (issue 9) and the `POST /config` actors into a counting server: the item
 * service on its own log and peer HTTP, its publish rounds, its orderly close, and the actors
 * read from the data dir becoming static peers. createApp calls it once; nothing else does.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ServerConfig } from '@tally/core';
import { createPeerHttp } from '../replication/peer-http.js';
import type { Replicator } from '../replication/replicator.js';
import type { ActorsFile } from '../state/actors-file.js';
import { memoryItemLog, type ItemLogPort } from './item-log.js';
import { createItemPeerClient } from './item-peers.js';
import { ItemService } from './item-service.js';

export interface ItemsDeps {
  /** The actors `POST /config` persisted; without it they live in memory only. */
  actors?: ActorsFile;
  /** The item set's durable log; in memory when absent (unit tests). */
  itemLog?: ItemLogPort;
  /** Names this run of the server in item tokens and acks; random when absent. */
  boot?: string;
}

export interface ItemsWiring {
  service: ItemService;
  /** For the config routes: persists posted actors (absent: memory only). */
  actorsSaver: { saveActors?: (urls: readonly string[]) => Promise<void> };
  /** Starts the publish rounds (after recovery). */
  start(): void;
  /** Stops the rounds, sends new ids once more (bounded), closes the log. */
  close(): Promise<void>;
}

/** The last publish at shutdown gets this long, like the counters' final push. */
const CLOSE_PUBLISH_MS = 2000;

export function createItems(config: ServerConfig, deps: ItemsDeps & { id: string; log: Logger }, replicator: Replicator): ItemsWiring {
  const log = deps.itemLog ?? memoryItemLog();
  const service = new ItemService({
    self: { id: deps.id, boot: deps.boot ?? randomUUID() },
    log,
    client: createItemPeerClient(createPeerHttp({ secret: config.secret, timeoutMs: config.requestTimeoutMs })),
    peers: () => replicator.peers(),
    logger: deps.log.child({ type: 'items' }),
    waitTimeoutMs: config.waitTimeoutMs,
    requestTimeoutMs: config.requestTimeoutMs,
    startupPullTimeoutMs: config.startupPullTimeoutMs,
  });
  replicator.setActors(deps.actors?.saved ?? []);
  const { actors } = deps;
  let rounds: NodeJS.Timeout | undefined;
  return {
    service,
    actorsSaver: actors === undefined ? {} : { saveActors: (urls) => actors.save(urls) },
    start() {
      rounds ??= setInterval(() => void service.publisher.publishRound(), config.publishIntervalMs);
      rounds.unref();
    },
    async close() {
      clearInterval(rounds);
      if (service.isReady) await Promise.race([service.publisher.publishRound(), new Promise((resolve) => setTimeout(resolve, CLOSE_PUBLISH_MS).unref())]);
      await log.close();
    },
  };
}
