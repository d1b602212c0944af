/**
 * The dashboard's part of the balancer's OpenAPI document: the page and its files, and the data
 * routes, whose answer schemas are generated from ./wire.ts.
 */
import { CLIENT_SECURITY, errorAnswer, jsonAnswer, jsonSchemaOf, parameter, type OpenApiDocument } from '@tally/core';
import { counterListSchema, dashboardSnapshotSchema, slotsViewSchema } from './wire.js';

const needsToken = errorAnswer('A clientToken is configured and the request lacks it.');
const noAnswer = errorAnswer('No server may be asked, or none answered in time (the message names them).');
const file = (description: string): Record<string, unknown> => ({ description, headers: { ETag: { schema: { type: 'string' } } } });

export function dashboardPaths(): OpenApiDocument['paths'] {
  return {
    '/': {
      get: {
        summary: 'The live dashboard (HTML; open to all, it holds no data)',
        responses: { 200: { ...file('The page; revalidate with If-None-Match.'), content: { 'text/html': { schema: { type: 'string' } } } }, 304: file('Not modified.') },
      },
    },
    '/dashboard/assets/{file}': {
      get: {
        summary: "The dashboard's scripts, styles and icon",
        parameters: [{ name: 'file', in: 'path', required: true, description: 'a file name, e.g. dashboard.js', schema: { type: 'string' } }],
        responses: { 200: file('The file, with its content type.'), 304: file('Not modified.'), 404: errorAnswer('No such file.') },
      },
    },
    '/dashboard/events': {
      get: {
        summary: 'Server-Sent Events: one `snapshot` event now and one per healthIntervalMs',
        description: 'Each event is `event: snapshot` with the data below. The balancer asks the servers for /internal/stats only while at least one feed is open.',
        responses: {
          200: { description: 'An event stream.', content: { 'text/event-stream': { schema: jsonSchemaOf(dashboardSnapshotSchema) } } },
          401: needsToken,
          503: errorAnswer('Too many dashboards are open.'),
        },
        security: CLIENT_SECURITY,
      },
    },
    '/dashboard/counters': {
      get: {
        summary: 'Counter search: names and values, asked of every server that may be handed out',
        parameters: [
          { name: 'prefix', in: 'query', required: false, schema: { type: 'string' } },
          { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
        ],
        responses: { 200: jsonAnswer('Up to `limit` names, sorted.', jsonSchemaOf(counterListSchema)), 400: errorAnswer('A bad prefix or limit.'), 401: needsToken, 503: noAnswer },
        security: CLIENT_SECURITY,
      },
    },
    '/dashboard/counter/{name}/slots': {
      get: {
        summary: "A counter's breakdown by slot, merged (per-slot maximum) over the servers",
        parameters: [parameter('name')],
        responses: { 200: jsonAnswer('The merged breakdown and its value.', jsonSchemaOf(slotsViewSchema)), 400: errorAnswer('Not a counter name.'), 401: needsToken, 503: noAnswer },
        security: CLIENT_SECURITY,
      },
    },
  };
}
