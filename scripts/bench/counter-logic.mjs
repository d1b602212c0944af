/**
 * The little counting logic both reference servers share (bare node:http and koa), so that the
 * only difference between them is the framework. It mirrors Tally's public contract for the two
 * benchmarked routes (text body `-?[0-9]+` with an optional trailing newline, 4096-byte limit,
 * names by the same rule) but has none of Tally's logic: no slots, no log, no replication.
 */

export const MAX_BODY_BYTES = 4096;
const MAX_AMOUNT = (1n << 63n) - 1n;
const INTEGER_TEXT = /^-?[0-9]+\n?$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;

/** An error a reference server answers with `status` and a `{error:{code,message}}` body. */
export class ClientError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message
   */
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** @param {string} name */
export function assertName(name) {
  if (!NAME.test(name)) throw new ClientError(400, 'bad_name', `counter name must match ${NAME}, got '${name}'`);
  return name;
}

/**
 * Parses a text amount the way Tally does.
 * @param {string} body
 * @returns {bigint}
 */
export function parseAmount(body) {
  if (!INTEGER_TEXT.test(body)) throw new ClientError(400, 'bad_amount', `amount must be an integer, got '${body}'`);
  const amount = BigInt(body.endsWith('\n') ? body.slice(0, -1) : body);
  if (amount > MAX_AMOUNT || amount < -MAX_AMOUNT) throw new ClientError(400, 'bad_amount', `amount out of range, got '${body}'`);
  return amount;
}

/**
 * Reads a request body as UTF-8, refusing more than `limit` bytes with a 413. Plain 'data'
 * events rather than `for await`: the async iterator costs a few microseconds per request, which
 * would make the baselines slower than node:http really is.
 * @param {import('node:http').IncomingMessage} req
 * @param {number} limit
 * @returns {Promise<string>}
 */
export function readBody(req, limit = MAX_BODY_BYTES) {
  return new Promise((resolve, reject) => {
    /** @type {Buffer[]} */
    const chunks = [];
    let length = 0;
    req.on('data', (/** @type {Buffer} */ chunk) => {
      length += chunk.length;
      if (length <= limit) chunks.push(chunk);
    });
    req.once('end', () => {
      if (length > limit) reject(new ClientError(413, 'body_too_large', `body must be at most ${limit} bytes, got ${length}`));
      else resolve(chunks.length === 1 ? /** @type {Buffer} */ (chunks[0]).toString('utf8') : Buffer.concat(chunks).toString('utf8'));
    });
    req.once('error', reject);
  });
}

/** Counters by name, each a BigInt. */
export class CounterMap {
  /** @type {Map<string, bigint>} */
  #values = new Map();

  /**
   * @param {string} name
   * @param {bigint} amount
   */
  increment(name, amount) {
    const value = (this.#values.get(name) ?? 0n) + amount;
    this.#values.set(name, value);
    return value;
  }

  /** @param {string} name */
  value(name) {
    return this.#values.get(name) ?? 0n;
  }
}
