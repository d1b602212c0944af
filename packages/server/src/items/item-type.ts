/**
 * The tenant item set (issue 9) as a keyed type: keys are tenants (the counter-name rule), parts
 * are item ids, a key's state is core's `itemSet` (a grow-only set merged by union). This file is
 * everything the keyed-state engine (../keyspace) needs to store, replicate, recover, repair and
 * read it; the public routes are routes/items.ts.
 */
import { TENANT_RULE, ITEM_ID_RULE, isCounterName, isItemId, itemSet, type ItemSet } from '@tally/core';
import type { KeyedType } from '../keyspace/keyed-type.js';

export const ITEM_LOG_FILE = 'items.ndjson';

export const itemType: KeyedType<ItemSet, bigint> = {
  data: itemSet,
  name: 'items',
  logFile: ITEM_LOG_FILE,
  // The digest doc (core/digest.ts) reserves `i/<tenant>` for the item set.
  digestPrefix: 'i',
  isKey: isCounterName,
  keyMessage: TENANT_RULE,
  // As /internal/items/:tenant answered before the keyed-state engine existed.
  badKeyCode: 'bad_tenant',
  isPart: isItemId,
  partMessage: ITEM_ID_RULE,
  isNews: (set, id) => !set.has(id),
  // Learning order: a set only grows at its end, so a page cursor into it stays valid.
  parts: (set) => set.values(),
  partCount: (set) => set.size,
  // Every id is its own slot and is never superseded.
  slotOf: (id) => id,
  versionOf: () => '',
  versionAt: (set, id) => (set.has(id) ? '' : undefined),
  tooMany: { code: 'too_many_items', noun: 'item ids', configKey: 'maxItems' },
};
