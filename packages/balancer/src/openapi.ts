/**
 * The balancer's OpenAPI 3.1 document (`GET /openapi.json`). Every route of its router is here;
 * counter requests, which the redirect middleware answers with a 307 to the assigned server, are
 * listed too, marked `x-tally-redirect`. test/openapi.test.ts fails when the router and this
 * document disagree.
 */
import {
  CLIENT_SECURITY,
  SECRET_SECURITY,
  errorAnswer,
  headers,
  jsonAnswer,
  ref,
  sharedComponents,
  textAnswer,
  type OpenApiDocument,
  type OpenApiOperation,
} from '@tally/core';
import { dashboardPaths } from './dashboard/openapi.js';

const needsToken = errorAnswer('A clientToken is configured and the request lacks it.');
const noServers = errorAnswer('No ready server to hand out.');

function redirect(summary: string): OpenApiOperation {
  return {
    summary: `${summary} (redirected)`,
    description: 'Answered with 307 to the assigned server, path and query kept, so `curl -L` works. See the counting server\'s document for the answer itself.',
    responses: {
      307: jsonAnswer('To the assigned server.', ref('Assignment'), { Location: headers.location }),
      401: needsToken,
      503: noServers,
    },
    security: CLIENT_SECURITY,
    'x-tally-redirect': true,
  };
}

function redirectedPaths(): OpenApiDocument['paths'] {
  return {
    '/counter/{name}': { post: redirect('Increment a counter') },
    '/counter/{name}/value': { get: redirect("A counter's value") },
    '/counter/{name}/consistent_value': { get: redirect("A counter's value at consistency=all") },
    '/counter/{name}/slots': { get: redirect("A counter's breakdown by slot") },
    '/counter/{name}/watch': { get: redirect("Watch a counter's value") },
    '/counters': { get: redirect('Counter names (plain or paged)') },
    '/requests/{key}': { get: redirect('The receipt of an idempotent increment') },
    '/items': { post: redirect("Add item ids to tenants' sets") },
    '/items/{tenant}/count': { get: redirect("A tenant's distinct item count") },
  };
}

function ownPaths(): OpenApiDocument['paths'] {
  return {
    '/servers': {
      get: {
        summary: 'Registered servers and their health',
        description: 'With fresh stats of a server, its entry also has incarnation, uptimeSeconds, incrementsPerSecond, latencyP99Ms, maxLagSeconds and peers. A client (no cluster secret) gets stats at most one healthIntervalMs old; servers, which read this list on every heartbeat, get the cached ones only.',
        responses: { 200: jsonAnswer('Every registered server: status ready, failing (still handed out) or suspect.', ref('ServerList')), 401: needsToken },
        security: CLIENT_SECURITY,
      },
      post: {
        summary: 'Register or heartbeat a counting server (cluster secret)',
        requestBody: { required: true, content: { 'application/json': { schema: ref('RegisterRequest') } } },
        responses: { 200: jsonAnswer('Registered; the server is ready.', ref('ServerInfo')), 400: errorAnswer('Not {"id", "url"}, malformed JSON, or a forbidden key.'), 401: errorAnswer('No cluster secret.'), 409: errorAnswer('id_in_use: the id is ready at another URL until that URL fails a health check.') },
        security: SECRET_SECURITY,
      },
    },
    '/servers/{id}': {
      delete: {
        summary: 'Decommission a member for good (cluster secret)',
        description: 'The server stops taking writes, pushes its final counts to every member, is marked decommissioned and exits 0. With force=true (for a server that can\'t be reached), every listed server marks it decommissioned: increments only it held are lost.',
        parameters: [
          { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'force', in: 'query', required: false, description: 'true for a server that can\'t be reached', schema: { type: 'string', enum: ['true', 'false'] } },
        ],
        responses: {
          200: jsonAnswer('Decommissioned.', { type: 'object', properties: { id: { type: 'string' }, decommissioned: { type: 'boolean' }, forced: { type: 'boolean' }, servers: { type: 'array', items: { type: 'string' } } } }),
          400: errorAnswer('A bad id or force value.'),
          401: errorAnswer('No cluster secret.'),
          404: errorAnswer('No server or member has this id.'),
          502: errorAnswer('The server refused the decommission.'),
          503: errorAnswer('The server can\'t be reached (use force=true), or it could not push its final counts to every member.'),
        },
        security: SECRET_SECURITY,
      },
    },
    '/assign': {
      get: {
        summary: 'The server assigned to a client (rendezvous hashing over ready servers)',
        parameters: [
          { name: 'client', in: 'query', required: false, description: 'client id (default: the caller\'s address)', schema: { type: 'string' } },
          { name: 'exclude', in: 'query', required: false, description: 'server ids to skip, comma-separated', schema: { type: 'string' } },
        ],
        responses: { 200: jsonAnswer('The assigned server.', ref('Assignment')), 400: errorAnswer('A parameter was given twice.'), 401: needsToken, 503: noServers },
        security: CLIENT_SECURITY,
      },
    },
    '/ping': { get: { summary: "Liveness, as 003's clients read it", responses: { 200: jsonAnswer('Alive.', { type: 'object', properties: { status: { const: 'OK' }, id: { const: 'balancer' } } }) } } },
    '/health': { get: { summary: "Health check (000's and 002's)", responses: { 200: jsonAnswer('Alive, with the number of servers it can hand out.', { type: 'object', properties: { status: { const: 'OK' }, id: { const: 'balancer' }, servers: { type: 'integer' } } }) } } },
    '/healthz': { get: { summary: 'Liveness', responses: { 200: textAnswer('ok') } } },
    '/readyz': { get: { summary: 'Readiness, with the number of servers it can hand out', responses: { 200: jsonAnswer('Listening.', { type: 'object', properties: { ready: { type: 'boolean' }, servers: { type: 'integer' } } }) } } },
    '/metrics': { get: { summary: 'Prometheus metrics', responses: { 200: textAnswer('Prometheus text format') } } },
    '/openapi.json': { get: { summary: 'This document', responses: { 200: jsonAnswer('OpenAPI 3.1', { type: 'object' }) } } },
  };
}

export function balancerOpenApi(): OpenApiDocument {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tally balancer',
      version: '1',
      description: 'Registry of counting servers, health checks and assignment. Errors are JSON {"error": {"code", "message"}}. Unknown routes answer 404 and wrong methods 405 in that shape.',
    },
    paths: { ...ownPaths(), ...dashboardPaths(), ...redirectedPaths() },
    components: sharedComponents(),
  };
}
