/**
 * Reading the server's and the balancer's answers. Nothing here trusts a body's shape: a field
 * that is missing or of the wrong type becomes a clear `bad_answer` error, not a crash later.
 */
import type { Assignment, MemberView, ServerInfo } from '@tally/core';
import { memberViewListSchema, serverInfoSchema } from '@tally/core';
import { TallyClientError } from './errors.js';
import type { HttpAnswer } from './http-call.js';

const SIGNED_DECIMAL = /^-?[0-9]+$/;

export interface ErrorFields {
  code: string;
  message: string;
  /** Extra fields a 408 carries next to code and message. */
  value: bigint | undefined;
  acks: number | undefined;
  required: number | undefined;
  /** A 408's servers that did not answer (ids), if the server names them. */
  missing: string[] | undefined;
}

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

const badAnswer = (answer: HttpAnswer, what: string): TallyClientError =>
  new TallyClientError('bad_answer', `${what}, got ${answer.status} ${JSON.stringify(answer.text.slice(0, 200))}`, answer.status);

const toBigInt = (v: unknown): bigint | undefined =>
  typeof v === 'string' && SIGNED_DECIMAL.test(v) ? BigInt(v) : undefined;

const toNumber = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** The `{error: {code, message, ...}}` of an error answer; a non-JSON body becomes the message. */
export function errorFields(answer: HttpAnswer): ErrorFields {
  const error = isRecord(answer.body) && isRecord(answer.body.error) ? answer.body.error : {};
  const text = answer.text.trim().replace(/\s+/g, ' ').slice(0, 300);
  return {
    code: typeof error.code === 'string' ? error.code : `http_${answer.status}`,
    message: typeof error.message === 'string' ? error.message : text || `HTTP ${answer.status}`,
    value: toBigInt(error.value),
    acks: toNumber(error.acks),
    required: toNumber(error.required),
    missing: Array.isArray(error.missing) && error.missing.every((m) => typeof m === 'string') ? (error.missing as string[]) : undefined,
  };
}

/** The error an unexpected answer stands for, with the server's status, code and message. */
export function answerError(answer: HttpAnswer): TallyClientError {
  const fields = errorFields(answer);
  return new TallyClientError(fields.code, fields.message, answer.status);
}

export interface CounterFields {
  value: bigint;
  slot: string | undefined;
  seq: string | undefined;
}

/** The value (and a write's receipt) of a 200 `CounterAnswer`. */
export function counterFields(answer: HttpAnswer): CounterFields {
  const body = answer.body;
  const value = isRecord(body) ? toBigInt(body.value) : undefined;
  if (!isRecord(body) || value === undefined) {
    throw badAnswer(answer, 'the server answered without a decimal "value"');
  }
  return {
    value,
    slot: typeof body.slot === 'string' ? body.slot : undefined,
    seq: typeof body.seq === 'string' ? body.seq : undefined,
  };
}

/** The `{id, url}` of a balancer's `/assign` answer. */
export function assignmentOf(answer: HttpAnswer): Assignment {
  const body = answer.body;
  if (!isRecord(body) || typeof body.id !== 'string' || typeof body.url !== 'string' || !/^https?:\/\//.test(body.url)) {
    throw badAnswer(answer, 'the balancer answered /assign without an {id, url}');
  }
  return { id: body.id, url: trimSlashes(body.url) };
}

/** The list of a balancer's `/servers` answer. */
export function serverListOf(answer: HttpAnswer): ServerInfo[] {
  const parsed = serverInfoSchema.array().safeParse(answer.body);
  if (!parsed.success) throw badAnswer(answer, 'the balancer answered /servers without a list of {id, url, status}');
  return parsed.data.map((s) => ({ ...s, url: trimSlashes(s.url) }));
}

export function memberListOf(answer: HttpAnswer): MemberView[] {
  const parsed = memberViewListSchema.safeParse(answer.body);
  if (!parsed.success) throw badAnswer(answer, 'the server answered /members without a list of {id, url, state, epoch, lastContact}');
  return parsed.data;
}

export const trimSlashes = (url: string): string => url.replace(/\/+$/, '');
