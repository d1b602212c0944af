import { expect } from 'chai';
import type { OpenApiDocument } from '../src/openapi.js';
import { documentOperations, routerOperations, unresolvedRefs } from '../src/openapi-check.js';

const doc = (paths: OpenApiDocument['paths'], extra: Record<string, unknown> = {}): OpenApiDocument =>
  ({ openapi: '3.1.0', info: { title: 't', version: '1' }, paths, ...extra }) as OpenApiDocument;

describe('routerOperations()', () => {
  it('lists each method of each string path in OpenAPI form, leaving out HEAD', () => {
    const stack = [
      { path: '/counter/:name', methods: ['HEAD', 'GET', 'POST'] },
      { path: '/servers', methods: ['GET'] },
    ];
    expect([...routerOperations(stack, () => false)].sort()).to.deep.equal(['GET /counter/{name}', 'GET /servers', 'POST /counter/{name}']);
  });

  it('skips excluded paths and RegExp layers', () => {
    const stack = [
      { path: '/internal/x', methods: ['POST'] },
      { path: /^\/any/, methods: ['GET'] },
      { path: '/kept', methods: ['GET'] },
    ];
    expect([...routerOperations(stack, (path) => path.startsWith('/internal'))]).to.deep.equal(['GET /kept']);
  });
});

describe('documentOperations()', () => {
  const paths = {
    '/counter/{name}': { get: { responses: {} }, post: { responses: {}, 'x-tally-redirect': true } },
    '/servers': { get: { responses: {} } },
  } as unknown as OpenApiDocument['paths'];

  it('lists routed operations by default, upper-casing the method', () => {
    expect([...documentOperations(doc(paths))].sort()).to.deep.equal(['GET /counter/{name}', 'GET /servers']);
  });

  it('lists only the x-tally-redirect operations when asked for redirected ones', () => {
    expect([...documentOperations(doc(paths), 'redirected')]).to.deep.equal(['POST /counter/{name}']);
  });
});

describe('unresolvedRefs()', () => {
  it('is empty when every local $ref resolves, however deep', () => {
    const paths = { '/a': { get: { responses: { 200: { content: { 'application/json': { schema: { $ref: '#/components/schemas/A' } } } } } } } };
    const components = { schemas: { A: { type: 'object', properties: { b: { $ref: '#/components/schemas/B' } } }, B: { type: 'string' } } };
    expect(unresolvedRefs(doc(paths as unknown as OpenApiDocument['paths'], { components }))).to.deep.equal([]);
  });

  it('names each $ref that points nowhere or is not local', () => {
    const paths = { '/a': { get: { responses: { 200: { $ref: '#/components/responses/Missing' }, 400: { $ref: 'other.yaml#/X' } } } } };
    const items = { schemas: { list: [{ $ref: '#/components/schemas/Gone' }] } };
    const found = unresolvedRefs(doc(paths as unknown as OpenApiDocument['paths'], { components: items }));
    expect(found.sort()).to.deep.equal(['#/components/responses/Missing', '#/components/schemas/Gone', 'other.yaml#/X']);
  });
});
