/**
 * Wire forms of the item set between servers, and its session token.
 *
 * Each server keeps a journal: every id it holds, in the order it learned it (its own writes and
 * its peers' alike). Replication ships journal ranges, so "new ids since each peer's ack" is one
 * index per peer, and a receiver that got a sender's journal through index i holds everything the
 * sender held when its journal was i long. `boot` names one run of a server: indices restart
 * with it.
 */
import { z } from 'zod';
import { TallyError } from './errors.js';
import { isCounterName, isServerId } from './names.js';
import { isItemId } from './item-set.js';

/** Ids grouped by tenant: `[[tenant, [id, ...]], ...]`. */
export type ItemGroups = Array<[string, string[]]>;

const tenantSchema = z.string().refine(isCounterName, { message: 'not a valid tenant' });
const idSchema = z.string().refine(isItemId, { message: 'not a valid item id' });
const bootSchema = z.string().min(1).max(100);
export const itemGroupsSchema = z.array(z.tuple([tenantSchema, z.array(idSchema)]));

/** `POST /internal/items`: ids for the receiver to add. `range` marks a slice of the sender's journal. */
export const itemFrameSchema = z.strictObject({
  from: z.string().refine(isServerId, { message: 'not a server id' }),
  boot: bootSchema,
  range: z.tuple([z.number().int().min(0), z.number().int().min(0)]).optional(),
  items: itemGroupsSchema,
});
export type ItemFrame = z.infer<typeof itemFrameSchema>;

/** The receiver's answer: its own boot, so the sender notices a restart and resends everything. */
export const itemAckSchema = z.object({ boot: bootSchema, added: z.number().int().min(0) });
export type ItemAck = z.infer<typeof itemAckSchema>;

/** `GET /internal/items?cursor=N&limit=M`: a page of the server's journal. */
export const itemJournalPageSchema = z.object({
  from: z.string(),
  boot: bootSchema,
  items: itemGroupsSchema,
  /** The cursor for the next page; null once the page reached the journal's end. */
  next: z.number().int().min(0).nullable(),
});
export type ItemJournalPage = z.infer<typeof itemJournalPageSchema>;

/** `GET /internal/items/:tenant`: one tenant's whole set. */
export const itemTenantPullSchema = z.object({ from: z.string(), boot: bootSchema, ids: z.array(idSchema) });
export type ItemTenantPull = z.infer<typeof itemTenantPullSchema>;

/** What an item answer reflects: server `server`'s journal up to `index`, in its run `boot`. */
export interface ItemToken {
  tenant: string;
  server: string;
  boot: string;
  index: number;
}

const MAX_ITEM_TOKEN_LENGTH = 1024;
const itemTokenSchema = z.strictObject({
  k: z.literal('items'),
  t: tenantSchema,
  s: z.string().refine(isServerId),
  b: bootSchema,
  i: z.number().int().min(0),
});

export function encodeItemToken(token: ItemToken): string {
  return Buffer.from(JSON.stringify({ k: 'items', t: token.tenant, s: token.server, b: token.boot, i: token.index })).toString('base64url');
}

export function decodeItemToken(header: string): ItemToken {
  const bad = (why: string): TallyError => new TallyError(400, 'bad_token', `Tally-Token header is not an item token this service issued: ${why}`);
  if (header.length > MAX_ITEM_TOKEN_LENGTH) throw bad(`longer than ${MAX_ITEM_TOKEN_LENGTH} characters`);
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
  } catch {
    throw bad('not base64url JSON');
  }
  const parsed = itemTokenSchema.safeParse(json);
  if (!parsed.success) throw bad(parsed.error.issues[0]?.message ?? 'bad shape');
  return { tenant: parsed.data.t, server: parsed.data.s, boot: parsed.data.b, index: parsed.data.i };
}

/** An item token or not, without throwing: the client keeps whatever a server sent it. */
export function isItemToken(header: string): boolean {
  try {
    decodeItemToken(header);
    return true;
  } catch {
    return false;
  }
}

/** The answer of `POST /items` (one body that satisfies both 000's and 002's clients). */
export interface ItemsAnswer {
  status: 'success';
  message: 'Success';
  added: number;
  duplicates: number;
}
