/**
 * How counter answers look on the wire: the value as text by default (as in CounterDB, so
 * `curl` prints a number), JSON with `Accept: application/json`, and the session token in the
 * `Tally-Token` header either way. A level that was not reached answers 408 with the best value.
 */
import type { Context } from 'koa';
import type { CounterAnswer } from '@tally/core';

export const wantsJson = (ctx: Context): boolean => (ctx.get('accept') ?? '').includes('application/json');

export interface AnswerFields {
  name: string;
  value: bigint;
  acks: number;
  required: number;
  isComplete: boolean;
  /** The encoded `Tally-Token`. */
  token: string;
  write?: { slot: string; seq: bigint };
}

/** A read's or a write's outcome with its token, copied field by field (a spread costs more, on every answer). */
export function answerOf(outcome: Omit<AnswerFields, 'token' | 'write'>, token: string, write?: AnswerFields['write']): AnswerFields {
  return { name: outcome.name, value: outcome.value, acks: outcome.acks, required: outcome.required, isComplete: outcome.isComplete, token, write };
}

export function sendAnswer(ctx: Context, a: AnswerFields): void {
  ctx.set('Tally-Token', a.token);
  ctx.status = a.isComplete ? 200 : 408;
  // A write is applied even when its level was not reached: say so in every format.
  if (a.write !== undefined) ctx.set('Tally-Applied', 'true');
  if (!wantsJson(ctx)) {
    // Set as a header: koa's `ctx.type` setter does a mime lookup on every answer.
    ctx.set('Content-Type', 'text/plain; charset=utf-8');
    ctx.body = a.value.toString();
    return;
  }
  const body: CounterAnswer = { name: a.name, value: a.value.toString() };
  if (a.write !== undefined) Object.assign(body, { applied: true, slot: a.write.slot, seq: a.write.seq.toString() });
  if (a.required > 1) Object.assign(body, { acks: a.acks, required: a.required });
  if (a.isComplete) {
    ctx.body = body;
    return;
  }
  const what = a.write === undefined ? `only ${a.acks} of ${a.required} servers answered` : `the increment is applied, but only ${a.acks} of ${a.required} servers hold it`;
  ctx.body = { error: { code: 'timeout', message: `${what} within the timeout; value is the best known`, ...body } };
}
