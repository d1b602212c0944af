import { TallyError, quote } from './errors.js';
import { FORBIDDEN_KEYS } from './safe-json.js';

/** Counter names: 1 to 200 of `A-Z a-z 0-9 . _ : -`, starting with a letter or digit. */
export const COUNTER_NAME_RULE =
  'counter name must be 1 to 200 characters of A-Z a-z 0-9 . _ : - starting with a letter or digit, and not constructor or prototype';
const COUNTER_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;

/** Server ids: like counter names but shorter and without `:`, which separates slot ids. */
export const SERVER_ID_RULE =
  'server id must be 1 to 64 characters of A-Z a-z 0-9 . _ - starting with a letter or digit';
const SERVER_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Names are keys of wire objects, and prototype keys are refused in every JSON body and frame, so
 * a counter with such a name could never replicate: it is refused here.
 */
export const isCounterName = (name: string): boolean => COUNTER_NAME.test(name) && !FORBIDDEN_KEYS.has(name);
export const isServerId = (id: string): boolean => SERVER_ID.test(id);

export function assertCounterName(name: string): string {
  if (!isCounterName(name)) {
    throw new TallyError(400, 'bad_counter_name', `${COUNTER_NAME_RULE}, got ${quote(name)}`);
  }
  return name;
}
