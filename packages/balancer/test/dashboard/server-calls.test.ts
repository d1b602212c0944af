import { expect } from 'chai';
import { createServerCaller } from '../../src/dashboard/server-calls.js';
import { json, startScripted, type ScriptedServer } from '../helpers/scripted-server.js';

describe('createServerCaller()', () => {
  let server: ScriptedServer;
  const call = createServerCaller('calls-secret');
  before(async () => {
    server = await startScripted({
      'GET /internal/stats': json(200, { id: 's1' }),
      'GET /refused': json(401, { error: { code: 'unauthorized', message: 'no' } }),
      'GET /text': { status: 200, body: 'not json' },
      'GET /slow': 'hang',
    });
  });
  after(() => server.close());

  it('GETs with the secret and parses the JSON answer', async () => {
    expect(await call(`${server.url}/internal/stats`, 1000)).to.deep.equal({ ok: true, status: 200, body: { id: 's1' } });
    expect(server.requests[0]).to.equal('GET /internal/stats Bearer calls-secret');
  });

  it('passes a 4xx on as an answer, not a failure', async () => {
    expect(await call(`${server.url}/refused`, 1000)).to.deep.include({ ok: true, status: 401 });
  });

  it('reads a body that is not JSON as undefined', async () => {
    expect(await call(`${server.url}/text`, 1000)).to.deep.equal({ ok: true, status: 200, body: undefined });
  });

  it('never rejects: a timeout or a refused connection is ok: false with a short reason', async () => {
    expect(await call(`${server.url}/slow`, 100)).to.deep.equal({ ok: false, error: 'ETIMEDOUT' });
    expect(await call('http://127.0.0.1:1/x', 1000)).to.deep.equal({ ok: false, error: 'ECONNREFUSED' });
  });
});
