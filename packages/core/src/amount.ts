import { parse as parseLossless, isLosslessNumber } from 'lossless-json';
import { TallyError, quote } from './errors.js';
import { assertNoForbiddenKeys } from './safe-json.js';

/** One request's amount is a non-zero integer of at most 2^63-1 in absolute value (0 = read). */
export const MAX_AMOUNT = (1n << 63n) - 1n;
export const AMOUNT_RULE = 'amount must be an integer of at most 2^63-1 in absolute value';

const INTEGER_TEXT = /^-?[0-9]+\n?$/;
const INTEGER_STRING = /^-?[0-9]+$/;

const badAmount = (got: unknown): TallyError =>
  new TallyError(400, 'bad_amount', `${AMOUNT_RULE}, got ${quote(got)}`);

function checkRange(value: bigint, got: unknown): bigint {
  if (value > MAX_AMOUNT || value < -MAX_AMOUNT) throw badAmount(got);
  return value;
}

/**
 * Parses a text body: `-?[0-9]+` with at most one trailing newline (what `curl --data-binary`
 * sends). Leading spaces, `+`, fractions, exponents, hex and the empty body are all rejected.
 */
export function parseAmountText(body: string): bigint {
  if (!INTEGER_TEXT.test(body)) throw badAmount(body);
  return checkRange(BigInt(body.endsWith('\n') ? body.slice(0, -1) : body), body);
}

/**
 * Parses a JSON body: `{"amount": n}`, or a bare JSON integer `2` / `-3`, or an integer string
 * `"7"` (003's client sends `2` with `Content-Type: application/json`, and `2` is a valid JSON
 * document). n is a JSON integer or an integer string. Numbers are parsed losslessly:
 * `JSON.parse` would round 9223372036854775807 to a double first.
 */
export function parseAmountJson(body: string): bigint {
  let parsed: unknown;
  try {
    parsed = parseLossless(body);
  } catch (err) {
    throw new TallyError(400, 'bad_json', `body is not valid JSON: ${(err as Error).message}`);
  }
  assertNoForbiddenKeys(body, 'JSON body');
  if (isLosslessNumber(parsed) || typeof parsed === 'string') return jsonInteger(parsed);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new TallyError(400, 'bad_json', `JSON body must be an object like {"amount": 5} or an integer like 5, got ${quote(body)}`);
  }
  const raw = (parsed as Record<string, unknown>).amount;
  if (raw === undefined) {
    throw new TallyError(400, 'bad_amount', 'JSON body must have an "amount" field, like {"amount": 5}');
  }
  return jsonInteger(raw);
}

/** A JSON integer or an integer string, in range. */
function jsonInteger(raw: unknown): bigint {
  const text = isLosslessNumber(raw) ? raw.value : typeof raw === 'string' ? raw : undefined;
  if (text === undefined || !INTEGER_STRING.test(text)) throw badAmount(isLosslessNumber(raw) ? raw.value : raw);
  return checkRange(BigInt(text), text);
}
