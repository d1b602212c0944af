/**
 * Keyed services wired to each other in memory: a KeyedPeerClient that hands each call to the
 * service at the url, through JSON text and the type's wire schemas, as real peer HTTP would.
 * `down` cuts a server off, both ways.
 */
import { pino } from 'pino';
import { keyedWireSchemas } from '@tally/core';
import type { KeyedLogPort } from '../../src/keyspace/keyed-log.js';
import { memoryKeyedLog } from '../../src/keyspace/keyed-log.js';
import type { KeyedPeerClient } from '../../src/keyspace/keyed-peers.js';
import { KeyedService } from '../../src/keyspace/keyed-service.js';
import type { KeyedType } from '../../src/keyspace/keyed-type.js';

const wire = <T>(value: T): unknown => JSON.parse(JSON.stringify(value));

export class KeyedNetwork<S, V> {
  readonly services = new Map<string, KeyedService<S, V>>();
  readonly down = new Set<string>();
  readonly refused = new Map<string, number>();
  readonly #type: KeyedType<S, V>;

  constructor(type: KeyedType<S, V>) {
    this.#type = type;
  }

  /** A service at `http://<id>` whose peers are every other service of the network. */
  add(id: string, options: { log?: KeyedLogPort; maxParts?: number; boot?: string } = {}): KeyedService<S, V> {
    const url = `http://${id}`;
    const service = new KeyedService({
      type: this.#type,
      self: { id, boot: options.boot ?? `${id}-boot` },
      log: options.log ?? memoryKeyedLog(),
      client: this.client(url),
      peers: () => [...this.services.keys()].filter((peer) => peer !== url).map((peer) => ({ url: peer })),
      logger: pino({ level: 'silent' }),
      waitTimeoutMs: 200,
      requestTimeoutMs: 100,
      startupPullTimeoutMs: 200,
      onRefused: (_reason, count) => this.refused.set(id, (this.refused.get(id) ?? 0) + count),
      ...(options.maxParts !== undefined && { maxParts: options.maxParts }),
    });
    this.services.set(url, service);
    return service;
  }

  /** The client `from` speaks with. */
  client(from: string): Required<KeyedPeerClient> {
    const schemas = keyedWireSchemas(this.#type);
    const at = (url: string): KeyedService<S, V> => {
      const service = this.services.get(url);
      if (service === undefined || this.down.has(url) || this.down.has(from)) throw new Error(`ECONNREFUSED ${url}`);
      return service;
    };
    return {
      push: async (url, frame) => schemas.ack.parse(wire(await at(url).intake(schemas.frame.parse(wire(frame))))),
      pullTenant: async (url, key) => schemas.keyPull.parse(wire(at(url).keyPull(key))),
      journalPage: async (url, cursor, limit) => schemas.page.parse(wire(at(url).journalPage(cursor, limit))),
      digest: async (url, level, nodes) => schemas.digest.parse(wire(at(url).digestNodes(level, nodes))),
      leavesPage: async (url, leaves, cursor) => schemas.page.parse(wire(at(url).leavesPage(leaves, cursor, 3))),
    };
  }
}
