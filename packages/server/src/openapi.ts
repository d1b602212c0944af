/**
 * The counting server's OpenAPI 3.1 document (`GET /openapi.json`). Every public route the router
 * serves is here, with its status codes and headers; `/internal/*` (peers only, cluster secret)
 * is left out on purpose. test/openapi.test.ts fails when the router and this document disagree.
 */
import {
  CLIENT_SECURITY,
  errorAnswer,
  headers,
  jsonAnswer,
  parameter,
  ref,
  sharedComponents,
  textAnswer,
  type JsonObject,
  type OpenApiDocument,
  type OpenApiOperation,
} from '@tally/core';
import { compatOperations } from './openapi-compat.js';

const badName = errorAnswer('The counter name breaks the rule (the message names it), a parameter or the body is malformed (forbidden_key for __proto__, constructor, prototype).');
const needsToken = errorAnswer('A clientToken is configured and the request lacks it.');
const notReady = errorAnswer('not_ready: the server is still recovering its state (with Retry-After); store_failed: its store failed, until it is restarted (no Retry-After).', { 'Retry-After': headers.retryAfter });
const timeout = (what: string): JsonObject => ({
  description: `${what} The body is the best known value (text, or JSON {error: {code: "timeout", value, acks, required}}).`,
  headers: { 'Tally-Token': headers.token },
  content: { 'text/plain': { schema: { type: 'string' } }, 'application/json': { schema: ref('Error') } },
});
const counterValue = (description: string, extra: Record<string, JsonObject> = {}): JsonObject => ({
  description,
  headers: { 'Tally-Token': headers.token, ...extra },
  content: { 'text/plain': { schema: { type: 'string', description: 'the value, a decimal integer' } }, 'application/json': { schema: ref('CounterAnswer') } },
});
const query = (name: string, description: string, schema: JsonObject): JsonObject => ({ name, in: 'query', required: false, description, schema });


function counterOperations(): Record<string, Partial<Record<'get' | 'post', OpenApiOperation>>> {
  const level = { type: 'string', pattern: '^(local|one|quorum|all|[1-9][0-9]{0,5})$' };
  return {
    '/counter/{name}': {
      post: {
        summary: 'Increment (or decrement) a counter',
        description: 'Body: an integer as text (`5`, `-2`) or JSON `{"amount": n}`; |n| <= 2^63-1; 0 is a read.',
        parameters: [parameter('name'), parameter('Idempotency-Key'), parameter('Tally-Token'), query('wait', 'servers (a number, quorum or all) that must hold the increment before the answer', level)],
        requestBody: { required: true, content: { 'text/plain': { schema: { type: 'string' } }, 'application/json': { schema: { type: 'object', properties: { amount: { type: ['integer', 'string'] } }, required: ['amount'] } } } },
        responses: {
          200: counterValue('The new value as this server knows it.', { 'Tally-Applied': headers.applied }),
          400: badName,
          401: needsToken,
          408: { ...timeout('The level was not reached in time; the increment stays applied.'), headers: { 'Tally-Token': headers.token, 'Tally-Applied': headers.applied } },
          409: errorAnswer('An increment with this Idempotency-Key is still in flight.'),
          413: errorAnswer('The body is over maxBodyBytes.'),
          422: errorAnswer('key_reused: the Idempotency-Key was used for another name or amount; counter_limit: the slot would pass 2^128-1. Nothing changed.'),
          500: errorAnswer('outcome_unknown: the store failed mid-write; retry the same key on this server.'),
          503: notReady,
          507: errorAnswer('too_many_counters: a new counter beyond maxCounters; nothing changed.'),
        },
        security: CLIENT_SECURITY,
      },
    },
    '/counter/{name}/value': {
      get: {
        summary: "A counter's value",
        parameters: [parameter('name'), parameter('Tally-Token'), query('consistency', 'local (default), quorum, all or a number', level), query('wait', 'alias of consistency', level)],
        responses: { 200: counterValue('The value.'), 400: badName, 401: needsToken, 408: timeout('Not enough servers answered in time.'), 503: notReady },
        security: CLIENT_SECURITY,
      },
    },
    '/counter/{name}/consistent_value': {
      get: {
        summary: 'The value after every member answered (consistency=all)',
        parameters: [parameter('name'), parameter('Tally-Token')],
        responses: { 200: counterValue('The value.'), 400: badName, 401: needsToken, 408: timeout('Not every member answered in time.'), 503: notReady },
        security: CLIENT_SECURITY,
      },
    },
  };
}

function opsOperations(): Record<string, Partial<Record<'get', OpenApiOperation>>> {
  return {
    '/counters': {
      get: {
        summary: 'Counter names; paged with values when any of values, prefix, limit, cursor is given',
        parameters: [
          query('values', 'true: each entry has its value', { type: 'string', enum: ['true', 'false', '1', '0'] }),
          query('prefix', 'only names starting with it', { type: 'string', maxLength: 200 }),
          query('limit', 'page size', { type: 'integer', minimum: 1, maximum: 1000, default: 100 }),
          query('cursor', "the previous page's next", { type: 'string' }),
        ],
        responses: {
          200: { description: 'Without paging parameters: every name, sorted. With them: one sorted page.', content: { 'application/json': { schema: { oneOf: [{ type: 'array', items: { type: 'string' } }, ref('CountersPage')] } } } },
          400: badName,
          401: needsToken,
          503: notReady,
        },
        security: CLIENT_SECURITY,
      },
    },
    '/counter/{name}/slots': {
      get: {
        summary: "A counter's breakdown by slot (server incarnation), sorted by slot id",
        parameters: [parameter('name')],
        responses: { 200: jsonAnswer('The slots; [] for a counter never written.', ref('Slots')), 400: badName, 401: needsToken, 503: notReady },
        security: CLIENT_SECURITY,
      },
    },
    '/counter/{name}/watch': {
      get: {
        summary: 'Live value changes as Server-Sent Events',
        description: 'First an `event: value` with the current value, then one per change, at most one per publishIntervalMs; `data` is a WatchEvent. A `: keep-alive` comment every ~15 s.',
        parameters: [parameter('name')],
        responses: {
          200: { description: 'An event stream.', content: { 'text/event-stream': { schema: { type: 'string', description: 'event: value / data: a WatchEvent as JSON' }, 'x-tally-event-data': ref('WatchEvent') } } },
          400: badName,
          401: needsToken,
          503: errorAnswer('Not ready, shutting down, or too many watchers (1,000 per server).', { 'Retry-After': headers.retryAfter }),
        },
        security: CLIENT_SECURITY,
      },
    },
    '/requests/{key}': {
      get: {
        summary: 'The receipt of an idempotent increment applied on this server',
        parameters: [{ name: 'key', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { 200: jsonAnswer('The receipt.', ref('RequestReceipt')), 400: errorAnswer('The key is malformed.'), 401: needsToken, 404: errorAnswer('No increment with this key was applied here (or it expired).'), 503: notReady },
        security: CLIENT_SECURITY,
      },
    },
  };
}

function probeOperations(): Record<string, Partial<Record<'get', OpenApiOperation>>> {
  return {
    '/ping': { get: { summary: "Liveness, as 003's clients read it", responses: { 200: jsonAnswer('Alive.', { type: 'object', properties: { status: { const: 'OK' }, id: { type: 'string' } }, required: ['status', 'id'] }) } } },
    '/healthz': { get: { summary: 'Liveness', responses: { 200: textAnswer('ok') } } },
    '/readyz': {
      get: {
        summary: 'Readiness: 200 once recovered',
        responses: {
          200: jsonAnswer('Ready.', { type: 'object', properties: { ready: { type: 'boolean' }, id: { type: 'string' }, slot: { type: ['string', 'null'] } } }),
          503: jsonAnswer('Not ready yet.', { type: 'object' }),
        },
      },
    },
    '/metrics': { get: { summary: 'Prometheus metrics', responses: { 200: textAnswer('Prometheus text format') } } },
    '/openapi.json': { get: { summary: 'This document', responses: { 200: jsonAnswer('OpenAPI 3.1', { type: 'object' }) } } },
    '/members': {
      get: {
        summary: 'The member set as this server sees it: who consistency levels count',
        description: 'Sorted by id. state active or decommissioned; lastContact is when this server (or one it swapped sets with) last heard from the member, null for never.',
        responses: { 200: jsonAnswer('The members.', MEMBER_LIST), 401: errorAnswer('A clientToken is configured and the request lacks it.') },
        security: CLIENT_SECURITY,
      },
    },
  };
}

const MEMBER_LIST = {
  type: 'array',
  items: {
    type: 'object',
    required: ['id', 'url', 'state', 'epoch', 'lastContact'],
    properties: {
      id: { type: 'string' },
      url: { type: 'string' },
      state: { type: 'string', enum: ['active', 'decommissioned'] },
      epoch: { type: 'integer' },
      lastContact: { type: ['string', 'null'], format: 'date-time' },
    },
  },
};

export function serverOpenApi(): OpenApiDocument {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tally counting server',
      version: '1',
      description: 'Counts, replicates and answers reads. Counts are decimal strings. Errors are JSON {"error": {"code", "message"}}. /internal/* (peers only) is not part of this document.',
    },
    paths: { ...counterOperations(), ...opsOperations(), ...probeOperations(), ...compatOperations() },
    components: sharedComponents(),
  };
}
