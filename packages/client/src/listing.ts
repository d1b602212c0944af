/**
 * Reading `GET /counters?values=true` pages and `GET /counter/:name/slots`. As in answers.ts,
 * a body of the wrong shape becomes a clear `bad_answer` error.
 */
import { TallyClientError } from './errors.js';
import type { HttpAnswer } from './http-call.js';
import { isRecord } from './answers.js';

export interface CounterEntry {
  name: string;
  value: bigint;
}

export interface CounterPage {
  counters: CounterEntry[];
  /** The cursor of the next page; null on the last one. */
  next: string | null;
}

export interface SlotEntry {
  slot: string;
  server: string;
  incarnation: number;
  p: bigint;
  n: bigint;
  value: bigint;
}

const DECIMAL = /^-?[0-9]+$/;
const decimal = (v: unknown): bigint | undefined => (typeof v === 'string' && DECIMAL.test(v) ? BigInt(v) : undefined);

const badAnswer = (answer: HttpAnswer, what: string): TallyClientError =>
  new TallyClientError('bad_answer', `${what}, got ${answer.status} ${JSON.stringify(answer.text.slice(0, 200))}`, answer.status);

export function counterPageOf(answer: HttpAnswer): CounterPage {
  const body = answer.body;
  const what = 'the server answered /counters?values=true without {counters: [{name, value}], next}';
  if (!isRecord(body) || !Array.isArray(body.counters) || !(body.next === null || typeof body.next === 'string')) throw badAnswer(answer, what);
  const counters = body.counters.map((c: unknown) => {
    const value = isRecord(c) ? decimal(c.value) : undefined;
    if (!isRecord(c) || typeof c.name !== 'string' || value === undefined) throw badAnswer(answer, what);
    return { name: c.name, value };
  });
  return { counters, next: body.next };
}

export function slotListOf(answer: HttpAnswer): SlotEntry[] {
  const what = 'the server answered /slots without a list of {slot, server, incarnation, p, n, value}';
  if (!Array.isArray(answer.body)) throw badAnswer(answer, what);
  return answer.body.map((s: unknown) => {
    if (!isRecord(s)) throw badAnswer(answer, what);
    const [p, n, value] = [decimal(s.p), decimal(s.n), decimal(s.value)];
    if (typeof s.slot !== 'string' || typeof s.server !== 'string' || typeof s.incarnation !== 'number' || p === undefined || n === undefined || value === undefined) {
      throw badAnswer(answer, what);
    }
    return { slot: s.slot, server: s.server, incarnation: s.incarnation, p, n, value };
  });
}
