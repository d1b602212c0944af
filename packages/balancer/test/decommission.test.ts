import { expect } from 'chai';
import { TallyError } from '@tally/core';
import { decommissionServer, type DecommissionDeps } from '../src/decommission.js';
import { Registry } from '../src/registry.js';
import { capturingLog } from './helpers/http.js';
import { json, startScripted, type ScriptedServer } from './helpers/scripted-server.js';

const SECRET = 'dec-secret';
const AUTH = `Bearer ${SECRET}`;

describe('decommissionServer()', () => {
  const servers: ScriptedServer[] = [];
  let registry: Registry;
  let deps: DecommissionDeps;
  beforeEach(() => {
    registry = new Registry({ suspectAfter: 3, removeAfter: 5, now: () => 1000 });
    deps = { registry, secret: SECRET, requestTimeoutMs: 500, log: capturingLog().log, decommissionTimeoutMs: 500 };
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  const start = async (script: Parameters<typeof startScripted>[0]): Promise<ScriptedServer> => {
    const server = await startScripted(script);
    servers.push(server);
    return server;
  };
  const failure = (promise: Promise<unknown>): Promise<TallyError> => promise.then(() => expect.fail('no error'), (err: TallyError) => err);

  it('asks a live server to decommission itself with the secret, and drops it from the registry', async () => {
    const s1 = await start({ 'POST /internal/decommission': json(200, { id: 's1', decommissioned: true, pushedTo: ['s2'] }) });
    registry.register('s1', s1.url);
    expect(await decommissionServer('s1', false, deps)).to.deep.equal({ id: 's1', decommissioned: true, forced: false, servers: ['s2'] });
    expect(s1.requests).to.deep.equal([`POST /internal/decommission ${AUTH}`]);
    expect(registry.get('s1')).to.equal(undefined);
  });

  it("finds a member the registry dropped through the servers' member lists", async () => {
    const gone = await start({ 'POST /internal/decommission': json(200, { pushedTo: [] }) });
    const s2 = await start({ 'GET /members': json(200, [{ id: 's1', url: gone.url, state: 'active', epoch: 1, lastContact: null }]) });
    registry.register('s2', s2.url);
    expect((await decommissionServer('s1', false, deps)).servers).to.deep.equal([]);
    expect(gone.requests).to.have.length(1);
  });

  it('answers 404 for an id nobody knows', async () => {
    const s2 = await start({ 'GET /members': json(200, []) });
    registry.register('s2', s2.url);
    const err = await failure(decommissionServer('s9', false, deps));
    expect([err.status, err.code]).to.deep.equal([404, 'unknown_server']);
  });

  it("passes on a server's refusal, keeping it registered", async () => {
    const s1 = await start({ 'POST /internal/decommission': json(503, { error: { code: 'decommission_incomplete', message: 'no' } }) });
    registry.register('s1', s1.url);
    const err = await failure(decommissionServer('s1', false, deps));
    expect([err.status, err.code, err.expose]).to.deep.equal([503, 'decommission_failed', true]);
    expect(err.message).to.include('refused the decommission with 503');
    expect(registry.get('s1')).to.not.equal(undefined);
  });

  it('answers 503 unreachable, pointing at force, when the server does not answer in time', async () => {
    const s1 = await start({ 'POST /internal/decommission': 'hang' });
    registry.register('s1', s1.url);
    const err = await failure(decommissionServer('s1', false, { ...deps, decommissionTimeoutMs: 100 }));
    expect([err.status, err.code]).to.deep.equal([503, 'unreachable']);
    expect(err.message).to.include('?force=true');
  });

  it('forced: has every other server record it, and lists those that did', async () => {
    const s2 = await start({ 'POST /internal/members/s1/decommission': json(200, {}) });
    const s3 = await start({ 'POST /internal/members/s1/decommission': json(500, {}) });
    registry.register('s1', 'http://127.0.0.1:1');
    registry.register('s2', s2.url);
    registry.register('s3', s3.url);
    expect(await decommissionServer('s1', true, deps)).to.deep.equal({ id: 's1', decommissioned: true, forced: true, servers: ['s2'] });
    expect(s2.requests).to.deep.equal([`POST /internal/members/s1/decommission ${AUTH}`]);
    expect(registry.get('s1')).to.equal(undefined);
  });

  it('forced: 404 when the servers do not know the id, 503 when none could record it', async () => {
    const s2 = await start({});
    registry.register('s2', s2.url);
    expect((await failure(decommissionServer('s9', true, deps))).code).to.equal('unknown_server');
    const s3 = await start({ 'POST /internal/members/s9/decommission': 'hang' });
    const only = new Registry({ suspectAfter: 3, removeAfter: 5, now: () => 1000 });
    only.register('s3', s3.url);
    const err = await failure(decommissionServer('s9', true, { ...deps, registry: only, requestTimeoutMs: 100 }));
    expect([err.status, err.code]).to.deep.equal([503, 'no_servers']);
  });
});
