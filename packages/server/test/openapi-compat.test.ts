import { expect } from 'chai';
import { SECRET_SECURITY, type JsonObject, type OpenApiOperation } from '@tally/core';
import { compatOperations } from '../src/openapi-compat.js';
import { startServerApp, type RunningServer } from './support/app-server.js';
import { http } from './support/koa-server.js';

const operations = compatOperations();
const each = (): Array<[string, string, OpenApiOperation]> =>
  Object.entries(operations).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => [path, method, op as OpenApiOperation] as [string, string, OpenApiOperation]));

describe('compatOperations()', () => {
  it("documents the earlier systems' routes: items, config and health", () => {
    expect(each().map(([path, method]) => `${method.toUpperCase()} ${path}`).sort()).to.deep.equal(['GET /config', 'GET /health', 'GET /items/{tenant}/count', 'POST /config', 'POST /items']);
  });

  it('declares every path template parameter, and only those', () => {
    for (const [path, method, op] of each()) {
      const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      const declared = ((op.parameters ?? []) as JsonObject[]).filter((p) => p.in === 'path').map((p) => p.name);
      expect(declared, `${method} ${path}`).to.deep.equal(inPath);
    }
  });

  it('puts POST /config behind the cluster secret', () => {
    expect(operations['/config']?.post?.security).to.deep.equal(SECRET_SECURITY);
  });

  describe('against a running server', () => {
    let app: RunningServer;
    before(async () => (app = await startServerApp()));
    after(() => app.close());

    it('documents exactly the fields GET /config answers', async () => {
      const answered = Object.keys(JSON.parse((await http.get(`${app.url}/config`)).body)).sort();
      const view = (operations['/config']?.get?.responses as Record<string, { content: { 'application/json': { schema: { properties: JsonObject } } } }>)[200];
      expect(Object.keys(view?.content['application/json'].schema.properties ?? {}).sort()).to.deep.equal(answered);
    });

    it('documents the status of each refused POST /config', async () => {
      const documented = Object.keys(operations['/config']?.post?.responses ?? {});
      const noSecret = await http.post(`${app.url}/config`, { body: '{}', headers: { 'content-type': 'application/json' } });
      expect(documented).to.include(String(noSecret.statusCode));
      expect(noSecret.statusCode).to.equal(401);
    });

    it('answers GET /health with the documented fields', async () => {
      const body = JSON.parse((await http.get(`${app.url}/health`)).body);
      expect(body).to.include({ status: 'OK', ready: true });
      expect(body.id).to.be.a('string');
    });
  });
});
