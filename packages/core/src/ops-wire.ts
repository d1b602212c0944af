/**
 * Wire types of the operator routes (issue 11): a counter's slot breakdown, the paged counter
 * list, watch events and a server's stats. Zod schemas first, types inferred from them: the
 * OpenAPI documents are generated from the same schemas (`z.toJSONSchema`), so the document and
 * the code can't drift.
 */
import { z } from 'zod';

const decimal = z.string().regex(/^-?(0|[1-9][0-9]*)$/).describe('an integer as a decimal string (counts are exact BigInts)');

/** One slot of a counter: one server incarnation's share (`GET /counter/:name/slots`). */
export const slotEntrySchema = z.object({
  slot: z.string().describe('slot id, serverId:incarnation'),
  server: z.string(),
  incarnation: z.number().int(),
  p: decimal.describe('sum of increments'),
  n: decimal.describe('sum of decrements'),
  value: decimal.describe('p - n'),
});
export type SlotEntry = z.infer<typeof slotEntrySchema>;
/** Sorted by slot id; a counter never written is `[]`. */
export const slotsAnswerSchema = z.array(slotEntrySchema);

/** `GET /counters?values=&prefix=&limit=&cursor=`: one page of names, sorted. */
export const counterEntrySchema = z.object({
  name: z.string(),
  value: decimal.optional().describe('present with values=true'),
});
export type CounterEntry = z.infer<typeof counterEntrySchema>;
export const countersPageSchema = z.object({
  counters: z.array(counterEntrySchema),
  next: z.string().nullable().describe('opaque cursor of the next page; null on the last page'),
});
export type CountersPage = z.infer<typeof countersPageSchema>;

/** The data of one `event: value` of `GET /counter/:name/watch`. */
export const watchEventSchema = z.object({ name: z.string(), value: decimal });
export type WatchEvent = z.infer<typeof watchEventSchema>;

/** Replication progress towards one peer, as `/internal/stats` reports it. */
export const peerStatsSchema = z.object({
  id: z.string().nullable().describe('null until the peer has answered once'),
  url: z.string(),
  lastAckAt: z.string().nullable().describe('ISO time of the last acknowledged push (or of the last round with nothing to push)'),
  lagSeconds: z.number().nullable().describe('seconds since lastAckAt; null if never acknowledged'),
  pendingCounters: z.number().int().describe('counters changed here that the peer has not acknowledged'),
});
export type PeerStats = z.infer<typeof peerStatsSchema>;

/** `GET /internal/stats` (cluster secret): what the balancer's dashboard aggregates. */
export const serverStatsSchema = z.object({
  id: z.string(),
  url: z.string(),
  slot: z.string().nullable().describe('live slot; null while recovering'),
  incarnation: z.number().int().nullable().describe('incarnation of the live slot; null while recovering'),
  ready: z.boolean(),
  startedAt: z.string(),
  uptimeSeconds: z.number(),
  counters: z.number().int(),
  incrementsTotal: decimal.describe('increments applied by this process since it started'),
  incrementsPerSecond: z.number().describe('over the last ~10 s'),
  latencyP99Ms: z.number().nullable().describe('p99 of public requests over the last ~10 s; null without requests'),
  peers: z.array(peerStatsSchema),
});
export type ServerStats = z.infer<typeof serverStatsSchema>;
