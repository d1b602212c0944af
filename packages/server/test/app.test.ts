import { expect } from 'chai';
import got from 'got';
import { pino } from 'pino';
import { configFromCli } from '@tally/core';
import { startServerApp, testConfig } from './support/app-server.js';

const http = got.extend({ retry: { limit: 0 }, throwHttpErrors: false, timeout: { request: 5000 } });

describe('createApp() request logging', () => {
  it('takes --log-requests as a bare flag and TALLY_LOG_REQUESTS from the environment', () => {
    const parse = (argv: string[], env: Record<string, string> = {}) =>
      configFromCli('tally-server', { argv: ['--secret', 's', ...argv], env, readTextFile: () => undefined, defaultConfigPath: '/nonexistent' });
    const flagged = parse(['--log-requests']);
    const fromEnv = parse([], { TALLY_LOG_REQUESTS: 'true' });
    const off = parse([]);
    expect([flagged.ok === true && flagged.config.logRequests, fromEnv.ok === true && fromEnv.config.logRequests, off.ok === true && off.config.logRequests]).to.deep.equal([true, true, false]);
  });

  it('logs method, path, status and ms per request when logRequests is on, and nothing when off', async () => {
    for (const isOn of [true, false]) {
      const lines: Array<Record<string, unknown>> = [];
      const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
      const app = await startServerApp(testConfig(isOn ? { 'log-requests': 'true' } : {}), { log });
      try {
        await http.post(`${app.url}/counter/x`, { body: '2' });
        await http.get(`${app.url}/counter/${encodeURIComponent('bad name')}/value`);
      } finally {
        await app.close();
      }
      const requests = lines.filter((l) => l.msg === 'request');
      if (!isOn) {
        expect(requests).to.deep.equal([]);
        continue;
      }
      expect(requests.map((l) => [l.method, l.path, l.status])).to.deep.equal([['POST', '/counter/x', 200], ['GET', '/counter/bad%20name/value', 400]]);
      expect(requests[0]?.ms).to.be.a('number').and.at.least(0);
    }
  });
});
