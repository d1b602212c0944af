/**
 * Bounds shared by every sender and receiver of replication traffic, and by the write path. One
 * definition, so a sender never builds a frame its receiver refuses.
 */

/** A frame (a push, or one page of a state pull) carries at most this many bytes of JSON... */
export const MAX_FRAME_BYTES = 1 << 20;
/** ...and at most this many counters. */
export const MAX_FRAME_COUNTERS = 1000;
/**
 * Senders stop filling a frame at this estimate, below the receiver's hard cap: the estimate
 * leaves room for the envelope and for the counter that crossed it.
 */
export const FRAME_FILL_BYTES = MAX_FRAME_BYTES - (64 << 10);

/**
 * A state page in the compact line format (`GET /internal/state?format=compact`, what a joining or
 * restarting server pulls) holds at most this many counters and bytes: a line costs ~30 bytes
 * where a JSON counter costs ~100, and a join at 1M counters then takes ~20 round trips, not 1,000
 * (each page is parsed in one go, so it stays small enough not to hold the event loop long).
 */
export const MAX_COMPACT_PAGE_COUNTERS = 50_000;
export const MAX_COMPACT_PAGE_BYTES = 4 << 20;

/** A slot's `p` and `n` are each at most 2^128-1: far beyond any real count, small on the wire. */
export const MAX_SLOT_VALUE = (1n << 128n) - 1n;
export const SLOT_VALUE_RULE = 'p and n must be canonical decimal integers from 0 to 2^128-1';

/** An incarnation is a wall-clock ms; one further ahead than this is a bug or an attack. */
export const MAX_INCARNATION_AHEAD_MS = 24 * 60 * 60 * 1000;

/** A `Tally-Token` header stays under this many characters, whatever the counts. */
export const MAX_TOKEN_HEADER = 4096;

/** Refusals an ack lists at most; `refusedCount` has the full number. */
export const MAX_LISTED_REFUSALS = 20;

/** Whether `incarnation` is an integer in [1, now + 24 h]. */
export const isSaneIncarnation = (incarnation: number, now: number): boolean =>
  Number.isSafeInteger(incarnation) && incarnation >= 1 && incarnation <= now + MAX_INCARNATION_AHEAD_MS;

/** Digest nodes one `GET /internal/digest` call may name, and leaves one `GET /internal/leaves` may. */
export const MAX_DIGEST_NODES = 64;
export const MAX_DIGEST_LEAVES = 256;
