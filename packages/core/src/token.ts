/**
 * Session tokens (`Tally-Token`): the slot versions an answer reflects, for one counter.
 * A slot's version is p + n, which only grows, so "reflects at least this token" is a
 * per-slot comparison. Tokens are opaque to users: base64url of a small JSON object.
 */
import { TallyError } from './errors.js';
import { isCounterName } from './names.js';
import { DECIMAL } from './decimal.js';
import { isSlotId, type SlotId } from './slot-id.js';

export interface SessionToken {
  /** The counter the versions belong to. */
  name: string;
  versions: Map<SlotId, bigint>;
}

const MAX_TOKEN_LENGTH = 16_384;

export function encodeToken(token: SessionToken): string {
  const v: Record<string, string> = {};
  for (const [slot, version] of token.versions) v[slot] = version.toString();
  return Buffer.from(JSON.stringify({ c: token.name, v }), 'utf8').toString('base64url');
}

const badToken = (why: string): TallyError =>
  new TallyError(400, 'bad_token', `Tally-Token header is not a token this service issued: ${why}`);

export function decodeToken(header: string): SessionToken {
  if (header.length > MAX_TOKEN_LENGTH) throw badToken(`longer than ${MAX_TOKEN_LENGTH} characters`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
  } catch {
    throw badToken('not base64url JSON');
  }
  if (parsed === null || typeof parsed !== 'object') throw badToken('not an object');
  const { c, v } = parsed as { c?: unknown; v?: unknown };
  if (typeof c !== 'string' || !isCounterName(c)) throw badToken('bad counter name');
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw badToken('bad versions');
  const versions = new Map<SlotId, bigint>();
  for (const [slot, version] of Object.entries(v)) {
    if (!isSlotId(slot) || typeof version !== 'string' || !DECIMAL.test(version)) {
      throw badToken(`bad version for slot '${slot}'`);
    }
    versions.set(slot, BigInt(version));
  }
  return { name: c, versions };
}

/** Per-slot max of two tokens of the same counter (what a client keeps between calls). */
export function mergeTokens(a: SessionToken, b: SessionToken): SessionToken {
  const versions = new Map(a.versions);
  for (const [slot, version] of b.versions) {
    const mine = versions.get(slot);
    if (mine === undefined || version > mine) versions.set(slot, version);
  }
  return { name: a.name, versions };
}
