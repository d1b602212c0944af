/**
 * The OpenAPI paths of what earlier systems' clients call (issue 9): the item set (000, 002),
 * `/config` (003, 004) and `/health` (000, 002). Kept apart from openapi.ts so each file stays
 * about one family of routes; serverOpenApi() spreads them in.
 */
import { CLIENT_SECURITY, SECRET_SECURITY, errorAnswer, headers, jsonAnswer, type JsonObject, type OpenApiOperation } from '@tally/core';

const needsToken = errorAnswer('A clientToken is configured and the request lacks it.');
const notReady = errorAnswer('not_ready: still recovering (with Retry-After); store_failed: the store or item log failed, until restarted.', { 'Retry-After': headers.retryAfter });
const level = { type: 'string', pattern: '^(local|one|quorum|all|[1-9][0-9]{0,5})$' };
const tenant: JsonObject = { name: 'tenant', in: 'path', required: true, description: 'the counter-name rule: 1-200 of A-Za-z0-9._:- starting with a letter or digit', schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$' } };
const query = (name: string, description: string): JsonObject => ({ name, in: 'query', required: false, description, schema: level });
const tokenHeader: JsonObject = { name: 'Tally-Token', in: 'header', required: false, description: 'item tokens from earlier answers, comma-separated', schema: { type: 'string' } };

const itemsAnswer: JsonObject = {
  type: 'object',
  properties: { status: { const: 'success' }, message: { const: 'Success' }, added: { type: 'integer' }, duplicates: { type: 'integer' }, acks: { type: 'integer' }, required: { type: 'integer' } },
  required: ['status', 'message', 'added', 'duplicates'],
};
const itemsBody: JsonObject = {
  type: 'array',
  maxItems: 10_000,
  items: { type: 'object', description: 'key names match in any case ("ID" works)', properties: { id: { type: 'string', minLength: 1, maxLength: 200 }, tenant: { type: 'string' } } },
};
const configView: JsonObject = {
  type: 'object',
  properties: {
    id: { type: 'string' }, url: { type: 'string' }, actors: { type: 'array', items: { type: 'string' }, description: 'member URLs, this server included' },
    postedActors: { type: 'array', items: { type: 'string' } }, peers: { type: 'array', items: { type: 'string' } }, balancer: { type: ['string', 'null'] },
    publishIntervalMs: { type: 'integer' }, fullSyncIntervalMs: { type: 'integer' }, waitTimeoutMs: { type: 'integer' }, fsync: { type: 'string' }, store: { type: 'string' },
  },
};

function itemOperations(): Record<string, Partial<Record<'get' | 'post', OpenApiOperation>>> {
  return {
    '/items': {
      post: {
        summary: "Add item ids to tenants' sets (seeds 000 and 002); an id counts once per tenant",
        description: 'All-or-nothing: a bad item answers 400 naming its index and the rule. Ids are their own idempotency keys. Other methods answer 405.',
        parameters: [query('wait', 'servers that must hold the ids before the answer')],
        requestBody: { required: true, content: { 'application/json': { schema: itemsBody } } },
        responses: {
          200: jsonAnswer('Added.', itemsAnswer, { 'Tally-Token': headers.token, 'Tally-Applied': headers.applied }),
          400: errorAnswer('Not an array of {id, tenant}, a bad item (its index is named), more than 10,000 items, or malformed JSON; nothing was added.'),
          401: needsToken,
          408: errorAnswer('The level was not reached in time; the ids stay added (error.added, error.duplicates, acks, required).', { 'Tally-Token': headers.token, 'Tally-Applied': headers.applied }),
          413: errorAnswer('The body is over maxItemsBodyBytes.'),
          500: errorAnswer('store_failed: the item log failed mid-write; retry the request (ids are idempotent) once the server is back.'),
          503: notReady,
          507: errorAnswer('too_many_items: the new ids would pass maxItems (ids this server holds, over every tenant); nothing was added.'),
        },
        security: CLIENT_SECURITY,
      },
    },
    '/items/{tenant}/count': {
      get: {
        summary: "The number of distinct ids in a tenant's set",
        parameters: [tenant, tokenHeader, query('consistency', 'local (default), quorum, all or a number'), query('wait', 'alias of consistency')],
        responses: {
          200: jsonAnswer('The count; 0 for an unknown tenant.', { type: 'object', properties: { count: { type: 'integer' } }, required: ['count'] }, { 'Tally-Token': headers.token }),
          400: errorAnswer('The tenant breaks the rule, a bad level, or a token this service did not issue.'),
          401: needsToken,
          408: errorAnswer('Not enough servers answered in time; error.count is the best count.', { 'Tally-Token': headers.token }),
          503: notReady,
        },
        security: CLIENT_SECURITY,
      },
    },
  };
}

function configOperations(): Record<string, Partial<Record<'get' | 'post', OpenApiOperation>>> {
  return {
    '/config': {
      get: { summary: 'The cluster as this server sees it (no secrets)', responses: { 200: jsonAnswer('The configuration.', configView), 401: needsToken }, security: CLIENT_SECURITY },
      post: {
        summary: "Set the static peers at run time (003's and 004's cluster bootstrap); persisted in the data dir",
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', properties: { actors: { type: 'array', maxItems: 100, items: { type: 'string', description: 'a URL, host:port, or a bare host (this server\'s port)' } } }, required: ['actors'] } } } },
        responses: {
          204: { description: 'Set and persisted.' },
          400: errorAnswer('Not {"actors": [...]}, or a bad actor (its index is named); nothing changed.'),
          401: errorAnswer('No cluster secret.'),
          415: errorAnswer('Content-Type is not application/json.'),
        },
        security: SECRET_SECURITY,
      },
    },
  };
}

export function compatOperations(): Record<string, Partial<Record<'get' | 'post', OpenApiOperation>>> {
  return {
    ...itemOperations(),
    ...configOperations(),
    '/health': { get: { summary: "Health check (000's and 002's): 200 while the process answers", responses: { 200: jsonAnswer('Alive; ready says whether it takes requests.', { type: 'object', properties: { status: { const: 'OK' }, id: { type: 'string' }, ready: { type: 'boolean' } } }) } } },
  };
}
