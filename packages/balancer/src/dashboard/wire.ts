/**
 * What the dashboard's data routes answer, as zod schemas: the types below are inferred from
 * them, and the OpenAPI document is generated from the same schemas.
 */
import { z } from 'zod';
import { serverInfoSchema, slotEntrySchema } from '@tally/core';

export const dashboardServerSchema = serverInfoSchema.extend({
  counters: z.number().int().optional().describe('counters the server holds'),
  startedAt: z.string().optional(),
  statsError: z.string().optional().describe('why the server gave no stats this round (ECONNREFUSED, status 401, ...)'),
});
export type DashboardServer = z.infer<typeof dashboardServerSchema>;

export const historyPointSchema = z.object({ at: z.number().describe('epoch ms'), incrementsPerSecond: z.number() });
export type HistoryPoint = z.infer<typeof historyPointSchema>;

/** The data of each `event: snapshot` of `GET /dashboard/events`. */
export const dashboardSnapshotSchema = z.object({
  at: z.string(),
  intervalMs: z.number().int(),
  servers: z.array(dashboardServerSchema),
  cluster: z.object({
    incrementsPerSecond: z.number().describe('sum over the servers that answered: each counts only the increments it took'),
    reporting: z.number().int().describe('servers that answered this round'),
    counters: z.number().int().describe('the largest counter count any server reported'),
    history: z.array(historyPointSchema).describe('cluster increments/s of the last rounds, oldest first'),
  }),
});
export type DashboardSnapshot = z.infer<typeof dashboardSnapshotSchema>;

/** Which servers answered a fan-out, and which did not (down, slow, or a bad answer). */
const coverage = {
  servers: z.array(z.string()),
  missing: z.array(z.string()),
};

/** `GET /dashboard/counters`. */
export const counterListSchema = z.object({
  counters: z.array(z.object({ name: z.string(), value: z.string() })),
  isTruncated: z.boolean().describe('more names match than the limit: narrow the prefix'),
  ...coverage,
});
export type CounterList = z.infer<typeof counterListSchema>;

/** `GET /dashboard/counter/:name/slots`: the CRDT merge of every server's breakdown. */
export const slotsViewSchema = z.object({
  name: z.string(),
  value: z.string(),
  slots: z.array(slotEntrySchema),
  ...coverage,
});
export type SlotsView = z.infer<typeof slotsViewSchema>;
