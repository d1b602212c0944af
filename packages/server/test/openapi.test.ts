import { Validator } from '@seriousme/openapi-schema-validator';
import { expect } from 'chai';
import { documentOperations, routerOperations, unresolvedRefs, type OpenApiDocument } from '@tally/core';
import { serverOpenApi } from '../src/openapi.js';
import { startServerApp, type RunningServer } from './support/app-server.js';

// Peers only, behind the cluster secret: deliberately not part of the public document.
const isInternal = (path: string): boolean => path.startsWith('/internal/');

describe('serverOpenApi()', () => {
  let app: RunningServer;
  before(async () => (app = await startServerApp()));
  after(() => app.close());

  it('documents exactly the routes the router serves (internal routes excluded)', () => {
    const routed = routerOperations(app.router.stack, isInternal);
    const documented = documentOperations(serverOpenApi());
    expect([...routed].filter((op) => !documented.has(op)), 'routes missing from the document').to.deep.equal([]);
    expect([...documented].filter((op) => !routed.has(op)), 'documented routes the router lacks').to.deep.equal([]);
    expect(routed.size).to.be.greaterThan(10);
    expect(documentOperations(serverOpenApi(), 'redirected').size).to.equal(0);
  });

  it('is a valid OpenAPI 3.1 document (checked against the official schema)', async () => {
    const result = await new Validator().validate(structuredClone(serverOpenApi()) as unknown as Record<string, unknown>);
    expect(result.errors, JSON.stringify(result.errors, null, 2)).to.equal(undefined);
    expect(result.valid).to.equal(true);
  });

  it('resolves every $ref and names the Tally headers', () => {
    const doc = serverOpenApi();
    expect(unresolvedRefs(doc)).to.deep.equal([]);
    const text = JSON.stringify(doc);
    for (const header of ['Tally-Token', 'Idempotency-Key', 'Tally-Applied', 'Retry-After']) expect(text, header).to.include(`"${header}"`);
  });

  it('is served at GET /openapi.json as OpenAPI 3.1', async () => {
    const res = await fetch(`${app.url}/openapi.json`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.include('application/json');
    const doc = (await res.json()) as OpenApiDocument;
    expect(doc.openapi).to.equal('3.1.0');
    expect(doc.paths['/counter/{name}/slots']?.get?.responses).to.have.keys('200', '400', '401', '503');
  });
});
