import { Validator } from '@seriousme/openapi-schema-validator';
import { expect } from 'chai';
import { documentOperations, routerOperations, unresolvedRefs, type OpenApiDocument } from '@tally/core';
import { balancerOpenApi } from '../src/openapi.js';
import { isCounterPath } from '../src/redirect.js';
import { http, json, startApp, type RunningApp } from './helpers/http.js';

describe('balancerOpenApi()', () => {
  let app: RunningApp;
  before(async () => (app = await startApp()));
  after(() => app.close());

  it('documents exactly the routes the router serves', () => {
    // The balancer has no /internal routes: POST /servers is documented, with its secret.
    const routed = routerOperations(app.balancer.router.stack, () => false);
    const documented = documentOperations(balancerOpenApi());
    expect([...routed].filter((op) => !documented.has(op)), 'routes missing from the document').to.deep.equal([]);
    expect([...documented].filter((op) => !routed.has(op)), 'documented routes the router lacks').to.deep.equal([]);
  });

  it('marks as redirected only paths that the redirect middleware answers', () => {
    const redirected = [...documentOperations(balancerOpenApi(), 'redirected')];
    expect(redirected.length).to.be.greaterThan(3);
    for (const op of redirected) {
      const path = op.split(' ')[1] ?? '';
      expect(isCounterPath(path.replace(/\{[a-z]+\}/g, 'x')), op).to.equal(true);
    }
  });

  it('is a valid OpenAPI 3.1 document (checked against the official schema)', async () => {
    const result = await new Validator().validate(structuredClone(balancerOpenApi()) as unknown as Record<string, unknown>);
    expect(result.errors, JSON.stringify(result.errors, null, 2)).to.equal(undefined);
    expect(result.valid).to.equal(true);
  });

  it('resolves every $ref and is served at GET /openapi.json', async () => {
    expect(unresolvedRefs(balancerOpenApi())).to.deep.equal([]);
    const res = await http.get(`${app.url}/openapi.json`);
    expect(res.statusCode).to.equal(200);
    expect(json<OpenApiDocument>(res).openapi).to.equal('3.1.0');
  });
});
