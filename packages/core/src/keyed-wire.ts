/**
 * Wire forms of every keyed type between servers (the engine in packages/server/src/keyspace).
 * A keyed type's state is a map from keys to states whose information is a set of "parts", each
 * a string: a part goes into one key's state, and any state is rebuilt by adding its parts to an
 * empty one. What travels is therefore always the same shape, whatever the type: parts grouped by
 * key, `[[key, [part, ...]], ...]`, validated by the type's own key and part rules.
 *
 * Each server keeps a journal: every part it holds, in the order it learned it. Replication ships
 * journal ranges, so "what a peer has not acknowledged" is one index per peer. `boot` names one
 * run of a server: indices restart with it.
 *
 * The field names (`items`, `ids`) are those of the first keyed type, the tenant item set; they
 * stay so that the item set's wire is what it was before the engine existed.
 */
import { z } from 'zod';
import { isServerId } from './names.js';

/** Parts grouped by key: `[[key, [part, ...]], ...]`. */
export type KeyedGroups = Array<[string, string[]]>;

/** `POST /internal/<type>`: parts for the receiver to add. `range` marks a slice of the sender's journal. */
export interface KeyedFrame {
  from: string;
  boot: string;
  range?: [number, number] | undefined;
  items: KeyedGroups;
}

/** The receiver's answer: its own boot, so the sender notices a restart and resends everything. */
export interface KeyedAck {
  boot: string;
  added: number;
}

/** `GET /internal/<type>?cursor=N&limit=M`: a page of the server's journal (or of some keys' parts). */
export interface KeyedPage {
  from: string;
  boot: string;
  items: KeyedGroups;
  /** The cursor for the next page; null once the page reached the end. */
  next: number | null;
}

/** `GET /internal/<type>/:key`: one key's whole state, as its parts. */
export interface KeyedKeyPull {
  from: string;
  boot: string;
  ids: string[];
}

/** `GET /internal/<type>-digest?level=L&nodes=...`: child hashes of some nodes of the type's digest. */
export interface KeyedDigestAnswer {
  from: string;
  level: number;
  children: Record<string, string[]>;
}

export interface KeyedWireSchemas {
  groups: z.ZodType<KeyedGroups>;
  frame: z.ZodType<KeyedFrame>;
  ack: z.ZodType<KeyedAck>;
  page: z.ZodType<KeyedPage>;
  keyPull: z.ZodType<KeyedKeyPull>;
  digest: z.ZodType<KeyedDigestAnswer>;
}

export interface KeyedRules {
  isKey: (key: string) => boolean;
  keyMessage: string;
  isPart: (part: string) => boolean;
  partMessage: string;
}

export const bootSchema = z.string().min(1).max(100);

/** The schemas of one keyed type, from its key and part rules. */
export function keyedWireSchemas(rules: KeyedRules): KeyedWireSchemas {
  const key = z.string().refine(rules.isKey, { message: rules.keyMessage });
  const part = z.string().refine(rules.isPart, { message: rules.partMessage });
  const groups = z.array(z.tuple([key, z.array(part)]));
  return {
    groups,
    frame: z.strictObject({
      from: z.string().refine(isServerId, { message: 'not a server id' }),
      boot: bootSchema,
      range: z.tuple([z.number().int().min(0), z.number().int().min(0)]).optional(),
      items: groups,
    }),
    ack: z.object({ boot: bootSchema, added: z.number().int().min(0) }),
    page: z.object({ from: z.string(), boot: bootSchema, items: groups, next: z.number().int().min(0).nullable() }),
    keyPull: z.object({ from: z.string(), boot: bootSchema, ids: z.array(part) }),
    digest: z.strictObject({
      from: z.string(),
      level: z.number().int().min(0),
      children: z.record(z.string().regex(/^[0-9]{1,7}$/), z.array(z.string().regex(/^[0-9a-f]{16}$/))),
    }),
  };
}

/** What an answer about `key` reflects: server `server`'s journal up to `index`, in its run `boot`. */
export interface KeyedToken {
  key: string;
  server: string;
  boot: string;
  index: number;
}
