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
import { bootSchema, keyedWireSchemas, type KeyedAck, type KeyedFrame, type KeyedGroups, type KeyedKeyPull, type KeyedPage } from './keyed-wire.js';

/** Ids grouped by tenant: `[[tenant, [id, ...]], ...]`. */
export type ItemGroups = KeyedGroups;

const tenantSchema = z.string().refine(isCounterName, { message: 'not a valid tenant' });
/** The item set's schemas: the keyed engine's, with tenants as keys and item ids as parts. */
export const itemWire = keyedWireSchemas({ isKey: isCounterName, keyMessage: 'not a valid tenant', isPart: isItemId, partMessage: 'not a valid item id' });
export const itemGroupsSchema = itemWire.groups;

/** `POST /internal/items`: ids for the receiver to add. `range` marks a slice of the sender's journal. */
export const itemFrameSchema = itemWire.frame;
export type ItemFrame = KeyedFrame;

/** The receiver's answer: its own boot, so the sender notices a restart and resends everything. */
export const itemAckSchema = itemWire.ack;
export type ItemAck = KeyedAck;

/** `GET /internal/items?cursor=N&limit=M`: a page of the server's journal. */
export const itemJournalPageSchema = itemWire.page;
export type ItemJournalPage = KeyedPage;

/** `GET /internal/items/:tenant`: one tenant's whole set. */
export const itemTenantPullSchema = itemWire.keyPull;
export type ItemTenantPull = KeyedKeyPull;

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
