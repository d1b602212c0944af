/**
 * Building blocks of the OpenAPI 3.1 documents that both bins serve at `GET /openapi.json`: the
 * shared headers, security schemes and error answers, and JSON Schemas generated from core's
 * zod wire schemas (`z.toJSONSchema`), so the documents describe the very schemas the code
 * validates with. Each bin assembles its own document from these.
 */
import { z } from 'zod';
import { counterEntrySchema, countersPageSchema, serverStatsSchema, slotsAnswerSchema, watchEventSchema } from './ops-wire.js';
import { registerRequestSchema, serverInfoSchema, serverListSchema } from './wire.js';

export type JsonObject = Record<string, unknown>;

export interface OpenApiOperation {
  summary: string;
  description?: string;
  tags?: string[];
  parameters?: JsonObject[];
  requestBody?: JsonObject;
  responses: Record<string, JsonObject>;
  security?: Array<Record<string, string[]>>;
  /** Served by the balancer's redirect middleware rather than its router (307 to a server). */
  'x-tally-redirect'?: boolean;
}

export type HttpMethod = 'get' | 'post' | 'put' | 'delete' | 'patch';
export type OpenApiPaths = Record<string, Partial<Record<HttpMethod, OpenApiOperation>>>;

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  paths: OpenApiPaths;
  components: JsonObject;
}

/** The JSON Schema (2020-12, OpenAPI 3.1's dialect) of a zod schema, without `$schema`. */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output' = 'output'): JsonObject {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonObject;
  return rest;
}

const decimal = z.string().regex(/^-?(0|[1-9][0-9]*)$/);

/** The JSON answer of counter reads and writes (`Accept: application/json`); see `CounterAnswer`. */
export const counterAnswerSchema = z.object({
  name: z.string(),
  value: decimal,
  applied: z.boolean().optional(),
  slot: z.string().optional(),
  seq: decimal.optional(),
  acks: z.number().int().optional(),
  required: z.number().int().optional(),
});

/** `GET /requests/:key`; see `RequestReceipt`. */
export const requestReceiptSchema = z.object({
  key: z.string(),
  applied: z.literal(true),
  name: z.string(),
  amount: decimal,
  slot: z.string(),
  seq: decimal,
  value: decimal,
  at: z.string(),
});

export const errorBodySchema = z.object({
  error: z.looseObject({ code: z.string(), message: z.string() }),
});

export const assignmentSchema = z.object({ id: z.string(), url: z.string() });

/** Every schema the documents reference, by component name. */
export function wireSchemaComponents(): Record<string, JsonObject> {
  return {
    Error: jsonSchemaOf(errorBodySchema),
    CounterAnswer: jsonSchemaOf(counterAnswerSchema),
    RequestReceipt: jsonSchemaOf(requestReceiptSchema),
    Slots: jsonSchemaOf(slotsAnswerSchema),
    CounterEntry: jsonSchemaOf(counterEntrySchema),
    CountersPage: jsonSchemaOf(countersPageSchema),
    WatchEvent: jsonSchemaOf(watchEventSchema),
    ServerStats: jsonSchemaOf(serverStatsSchema),
    ServerInfo: jsonSchemaOf(serverInfoSchema),
    ServerList: jsonSchemaOf(serverListSchema),
    RegisterRequest: jsonSchemaOf(registerRequestSchema, 'input'),
    Assignment: jsonSchemaOf(assignmentSchema),
  };
}

export const ref = (name: string): JsonObject => ({ $ref: `#/components/schemas/${name}` });
const headerRef = (name: string): JsonObject => ({ $ref: `#/components/headers/${name}` });

/** Headers, parameters and security schemes both documents share. */
export function sharedComponents(): JsonObject {
  return {
    schemas: wireSchemaComponents(),
    headers: {
      'Tally-Token': { description: 'Session token: the slot versions this answer reflects. Send it back on a read to see at least those writes.', schema: { type: 'string' } },
      'Tally-Applied': { description: 'On write answers, a 408 included: the increment is applied.', schema: { type: 'string', enum: ['true'] } },
      'Retry-After': { description: 'Seconds to wait before retrying (not ready yet, or no server to hand out).', schema: { type: 'integer' } },
      Location: { description: 'The assigned server URL plus the path and query as sent.', schema: { type: 'string' } },
    },
    parameters: {
      'Idempotency-Key': { name: 'Idempotency-Key', in: 'header', required: false, description: 'A repeat gets the original answer and counts nothing; 409 while the first is in flight; 422 if reused for another name or amount.', schema: { type: 'string', minLength: 1 } },
      'Tally-Token': { name: 'Tally-Token', in: 'header', required: false, description: 'A session token from an earlier answer: the read reflects at least that answer (or 408).', schema: { type: 'string' } },
      name: { name: 'name', in: 'path', required: true, description: 'Counter name: 1 to 200 of A-Z a-z 0-9 . _ : -, starting with a letter or digit.', schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$' } },
    },
    securitySchemes: {
      clientToken: { type: 'http', scheme: 'bearer', description: 'Only when the process is configured with a clientToken.' },
      clusterSecret: { type: 'http', scheme: 'bearer', description: 'The cluster secret (or the Tally-Secret header).' },
    },
  };
}

export const headers = { token: headerRef('Tally-Token'), applied: headerRef('Tally-Applied'), retryAfter: headerRef('Retry-After'), location: headerRef('Location') };
export const parameter = (name: string): JsonObject => ({ $ref: `#/components/parameters/${name}` });

/** `answer` with response headers, or as it is when there are none to add. */
const withHeaders = (answer: JsonObject, headers: Record<string, JsonObject> | undefined): JsonObject =>
  headers === undefined ? answer : { ...answer, headers };

/** A JSON error answer with the given description. */
export function errorAnswer(description: string, extraHeaders: Record<string, JsonObject> = {}): JsonObject {
  const answer = { description, content: { 'application/json': { schema: ref('Error') } } };
  return withHeaders(answer, Object.keys(extraHeaders).length > 0 ? extraHeaders : undefined);
}

export const jsonAnswer = (description: string, schema: JsonObject, extraHeaders?: Record<string, JsonObject>): JsonObject =>
  withHeaders({ description, content: { 'application/json': { schema } } }, extraHeaders);

export const textAnswer = (description: string, extraHeaders?: Record<string, JsonObject>): JsonObject =>
  withHeaders({ description, content: { 'text/plain': { schema: { type: 'string' } } } }, extraHeaders);

/** `/counter/:name/value` -> `/counter/{name}/value`. */
export const openApiPath = (koaPath: string): string => koaPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/** Public routes: open, or with the client token when one is configured. */
export const CLIENT_SECURITY: Array<Record<string, string[]>> = [{}, { clientToken: [] }];
/** Routes that need the cluster secret. */
export const SECRET_SECURITY: Array<Record<string, string[]>> = [{ clusterSecret: [] }];
