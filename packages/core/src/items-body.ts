/**
 * `POST /items` bodies, as 000's and 002's clients send them: a JSON array of
 * `{"id": string, "tenant": string}`, key names matched without regard to case (000 sends "ID").
 * A request is all-or-nothing: the first bad item is refused with its index and the rule.
 */
import { TallyError, quote } from './errors.js';
import { COUNTER_NAME_RULE, isCounterName } from './names.js';
import { ITEM_ID_RULE, isItemId } from './item-set.js';
import { parseJsonSafely } from './safe-json.js';

export const MAX_ITEMS_PER_REQUEST = 10_000;
export const TENANT_RULE = COUNTER_NAME_RULE.replace('counter name', 'tenant');

export interface Item {
  tenant: string;
  id: string;
}

const badItems = (message: string): TallyError => new TallyError(400, 'bad_items', message);

/** Parses and validates the body text; throws a 400 TallyError naming the problem. */
export function parseItemsBody(text: string): Item[] {
  const json = parseJsonSafely(text, 'body');
  if (!Array.isArray(json)) {
    throw badItems(`body must be a JSON array of {"id": string, "tenant": string}, got ${quote(json)}`);
  }
  if (json.length > MAX_ITEMS_PER_REQUEST) {
    throw badItems(`a request holds at most ${MAX_ITEMS_PER_REQUEST} items, got ${json.length}`);
  }
  return json.map((entry: unknown, index) => parseItem(entry, index));
}

function parseItem(entry: unknown, index: number): Item {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
    throw badItems(`item [${index}] must be an object {"id": string, "tenant": string}, got ${quote(entry)}`);
  }
  const fields = new Map<string, unknown>();
  for (const [key, value] of Object.entries(entry)) fields.set(key.toLowerCase(), value);
  const id = fields.get('id');
  const tenant = fields.get('tenant');
  if (id === undefined) throw badItems(`item [${index}] has no "id"`);
  if (!isItemId(id)) throw badItems(`item [${index}]: ${ITEM_ID_RULE}, got ${quote(id)}`);
  if (tenant === undefined) throw badItems(`item [${index}] has no "tenant"`);
  if (typeof tenant !== 'string' || !isCounterName(tenant)) throw badItems(`item [${index}]: ${TENANT_RULE}, got ${quote(tenant)}`);
  return { tenant, id };
}

/** Groups items by tenant, keeping first-seen order: the form frames and log lines use. */
export function groupByTenant(items: Iterable<Item>): Array<[string, string[]]> {
  const groups = new Map<string, string[]>();
  for (const { tenant, id } of items) {
    let ids = groups.get(tenant);
    if (ids === undefined) {
      ids = [];
      groups.set(tenant, ids);
    }
    ids.push(id);
  }
  return [...groups];
}
