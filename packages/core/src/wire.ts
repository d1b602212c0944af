/**
 * Wire types shared by servers, balancer and client. Counts are decimal strings on the wire:
 * JSON numbers are doubles, and a counter is a BigInt of any size.
 */
import { z } from 'zod';
import { isCounterName, isServerId } from './names.js';
import { DECIMAL } from './decimal.js';
import { isSlotId, type SlotId } from './slot-id.js';
import { isPlainObject, type SlotRefusal } from './frame-check.js';
import { peerStatsSchema, type PeerStats } from './ops-wire.js';


/** `[p, n]`: a slot's increments and decrements, each a non-negative decimal string. */
export type SlotJSON = [string, string];
/** A counter's CRDT state: slot id to `[p, n]`. */
export type CounterJSON = Record<SlotId, SlotJSON>;

const slotIdSchema = z.string().refine(isSlotId, { message: 'not a slot id (serverId:incarnation)' });
const counterNameSchema = z.string().refine(isCounterName, { message: 'not a valid counter name' });
const decimalSchema = z.string().regex(DECIMAL, 'must be a non-negative decimal integer string');
export const counterJsonSchema = z.record(slotIdSchema, z.tuple([decimalSchema, decimalSchema]));

/**
 * An object of counter name to counter state, checked here only as an object: its slots are
 * checked one by one by frame-check.ts, so that one bad slot never refuses the whole frame.
 */
const countersObject = z.custom<Record<string, unknown>>(isPlainObject, { message: 'counters must be an object' });

/** The envelope of an incoming frame; `counters` is checked slot by slot afterwards. */
export const frameEnvelopeSchema = z.strictObject({
  from: z.string().refine(isServerId, { message: 'not a server id' }),
  slot: slotIdSchema,
  full: z.boolean(),
  counters: countersObject,
});
export type FrameEnvelope = z.infer<typeof frameEnvelopeSchema>;

/** A push of counter state from one server to another (`POST /internal/replicate`). */
export const replicateFrameSchema = z.strictObject({
  /** The sender's server id. */
  from: z.string().refine(isServerId, { message: 'not a server id' }),
  /** The sender's live slot: a new one tells the receiver that the sender restarted. */
  slot: slotIdSchema,
  /** True when the frame is part of a full-state sync (other servers' slots included). */
  full: z.boolean(),
  counters: z.record(counterNameSchema, counterJsonSchema),
});
export type ReplicateFrame = z.infer<typeof replicateFrameSchema>;

/**
 * The receiver's answer to a frame; its live slot lets the sender notice a restart. A frame with
 * refused slots is still acknowledged: the sender moves on, the refusals are the receiver's to log.
 */
export interface ReplicateAck {
  slot: SlotId;
  /** Number of (counter, slot) pairs that grew. */
  merged: number;
  /** The first refused slots (at most MAX_LISTED_REFUSALS), and how many there were in all. */
  refused: SlotRefusal[];
  refusedCount: number;
}

/**
 * Checks an ack as a sender reads it. The refusals are the receiver's to act on, so they are
 * checked for shape only, and an older receiver that sends none reads as refusing nothing.
 */
export const replicateAckSchema = z.object({
  slot: slotIdSchema,
  merged: z.number().int().nonnegative(),
  refused: z
    .array(z.object({ name: z.string(), slot: z.string().nullable(), reason: z.string() }))
    .default([])
    .transform((list) => list as SlotRefusal[]),
  refusedCount: z.number().int().nonnegative().default(0),
});

/** One page of a server's whole state (`GET /internal/state?cursor=N&limit=N`, at most MAX_FRAME_COUNTERS counters and about 1 MiB). */
export interface StatePage {
  slot: SlotId;
  counters: Record<string, CounterJSON>;
  /** Pass as `cursor` to get the next page; null on the last page. */
  next: string | null;
}
/** A page's envelope; its counters are checked slot by slot, like a frame's. */
export const statePageSchema = z.object({
  slot: slotIdSchema,
  counters: countersObject,
  next: z.string().nullable(),
});

/** One counter's state on one server (`GET /internal/counter/:name`). */
export interface CounterPull {
  slot: SlotId;
  name: string;
  counter: CounterJSON;
}
export const counterPullSchema = z.object({
  slot: slotIdSchema,
  name: counterNameSchema,
  counter: countersObject,
});

/** Balancer registry entries. `suspect` servers are members but are not handed out. */
export type ServerStatus = 'ready' | 'failing' | 'suspect';
export interface ServerInfo extends Partial<ServerStatsSummary> {
  id: string;
  url: string;
  status: ServerStatus;
}

/**
 * What the balancer adds to a `GET /servers` entry when it has fresh stats of that server
 * (`GET /internal/stats`). Old clients ignore the extra fields.
 */
export interface ServerStatsSummary {
  /** Null while the server is still recovering (no live slot yet). */
  incarnation: number | null;
  uptimeSeconds: number;
  incrementsPerSecond: number;
  latencyP99Ms: number | null;
  /** The largest `lagSeconds` over the server's peers; null when none has acknowledged yet. */
  maxLagSeconds: number | null;
  peers: PeerStats[];
}

export const serverInfoSchema = z.object({
  id: z.string(),
  url: z.string(),
  status: z.enum(['ready', 'failing', 'suspect']),
  incarnation: z.number().int().nullable().optional(),
  uptimeSeconds: z.number().optional(),
  incrementsPerSecond: z.number().optional(),
  latencyP99Ms: z.number().nullable().optional(),
  maxLagSeconds: z.number().nullable().optional(),
  peers: z.array(peerStatsSchema).optional(),
});

/** `POST /servers` body: a registration or heartbeat. */
export const registerRequestSchema = z.strictObject({
  id: z.string().refine(isServerId, { message: 'not a valid server id' }),
  url: z
    .url({ protocol: /^https?$/ })
    .refine((u) => !u.includes('?') && !u.includes('#'), 'url must not have a query or fragment')
    .transform((u) => u.replace(/\/+$/, '')),
});
export type RegisterRequest = z.infer<typeof registerRequestSchema>;

/** `GET /assign` answer. */
export interface Assignment {
  id: string;
  url: string;
}

/** JSON answer of counter reads and writes (`Accept: application/json`). */
export interface CounterAnswer {
  name: string;
  value: string;
  /** Write answers: whether the increment was applied (it stays applied on a 408). */
  applied?: boolean;
  /** Write answers: receipt of the increment. */
  slot?: SlotId;
  seq?: string;
  /** Reads and writes with a level: servers that answered or hold the write, and how many were needed. */
  acks?: number;
  required?: number;
  message?: string;
}

/** `GET /requests/:key` answer: the receipt of an idempotent increment. */
export interface RequestReceipt {
  key: string;
  applied: true;
  name: string;
  amount: string;
  slot: SlotId;
  seq: string;
  value: string;
  at: string;
}

/** Header names. */
export const HEADER_IDEMPOTENCY_KEY = 'idempotency-key';
export const HEADER_TOKEN = 'tally-token';
export const HEADER_SECRET = 'tally-secret';

/** `GET /servers` answer. */
export const serverListSchema = z.array(serverInfoSchema);

/**
 * `GET /internal/digest?level=L&nodes=i,j`: the child hashes (16 hex digits each, DIGEST_FANOUT
 * per node) of the named nodes of level L of the sender's StateDigest (core/digest.ts). A page of
 * `GET /internal/leaves?ids=...` is a StatePage: the counters of those leaves, `next` a cursor.
 */
export interface DigestAnswer {
  slot: SlotId;
  level: number;
  children: Record<string, string[]>;
}
export const digestAnswerSchema = z.strictObject({
  slot: slotIdSchema,
  level: z.number().int().min(0),
  children: z.record(z.string().regex(/^[0-9]{1,7}$/), z.array(z.string().regex(/^[0-9a-f]{16}$/))),
});
