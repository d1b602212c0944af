/**
 * Maelstrom's g-counter checker, final-read rule, for the end of every fault test: once the
 * faults healed, every server's LOCAL read of every counter equals the sum of the acknowledged
 * increments, and may differ from it only by writes whose outcome the client never learned
 * (unknown-outcome increments may or may not have landed; failed ones must not have).
 *
 * A counter's expectation is its acknowledged sum (nothing unknown), or a range: `acked` plus
 * every unknown negative amount up to `acked` plus every unknown positive amount (fault-load.ts's
 * Bounds has that shape). Reads are polled until the rule holds or `timeoutMs` passes: servers
 * converge by replication, and the rule is about where they end.
 */
import { valueAt } from './counter-calls.js';
import { sleep } from './harness.js';

export interface FinalRange {
  acked: bigint;
  lower: bigint;
  upper: bigint;
}

export type FinalExpectation = bigint | FinalRange;

const rangeOf = (expected: FinalExpectation): FinalRange => (typeof expected === 'bigint' ? { acked: expected, lower: expected, upper: expected } : expected);

/** Each counter's acknowledged sum and unknown range, as the rule needs them. */
export function finalRange(acked: bigint, unknownAmounts: readonly bigint[] = []): FinalRange {
  const lower = unknownAmounts.filter((a) => a < 0n).reduce((sum, a) => sum + a, acked);
  const upper = unknownAmounts.filter((a) => a > 0n).reduce((sum, a) => sum + a, acked);
  return { acked, lower, upper };
}

/** The local reads that break the rule now, one line each (none when the rule holds). */
async function breaches(urls: readonly string[], expected: ReadonlyMap<string, FinalExpectation>): Promise<string[]> {
  const found: string[] = [];
  for (const url of urls) {
    for (const [name, expectation] of expected) {
      const { acked, lower, upper } = rangeOf(expectation);
      const value = await valueAt(url, name).catch((err: unknown) => `error ${(err as Error).message.split('\n')[0]}`);
      if (typeof value !== 'bigint' || value < lower || value > upper) {
        found.push(`${url} reads ${name} = ${value}, acknowledged sum ${acked}${lower === upper ? '' : `, unknown-outcome range [${lower}, ${upper}]`}`);
      }
    }
  }
  return found;
}

/**
 * Asserts the final-read rule on every url for every counter of `expected`, polling every
 * `everyMs` for at most `timeoutMs`; throws with the reads that break it.
 */
export async function assertFinalReads(urls: readonly string[], expected: ReadonlyMap<string, FinalExpectation> | Record<string, FinalExpectation>, timeoutMs: number, everyMs = 100): Promise<void> {
  const counters = expected instanceof Map ? expected : new Map(Object.entries(expected));
  const deadline = Date.now() + timeoutMs;
  let found = await breaches(urls, counters);
  while (found.length > 0 && Date.now() < deadline) {
    await sleep(everyMs);
    found = await breaches(urls, counters);
  }
  if (found.length > 0) throw new Error(`final-read rule broken after ${timeoutMs} ms (${found.length} reads):\n${found.slice(0, 10).join('\n')}`);
}
