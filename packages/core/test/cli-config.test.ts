import { expect } from 'chai';
import { configFromCli } from '../src/cli-config.js';

const files = (entries: Record<string, string>) => (path: string): string | undefined => entries[path];

describe('configFromCli()', () => {
  it('reads the default file when it exists, then flags over it', () => {
    const result = configFromCli('tally-server', {
      argv: ['--publish-interval-ms', '250'],
      env: {},
      readTextFile: files({ '/repo/tally.config.json': '{"secret": "s", "publishIntervalMs": 900}' }),
      defaultConfigPath: '/repo/tally.config.json',
    });
    if (result.ok !== true) throw new Error('expected a config');
    expect(result.config.publishIntervalMs).to.equal(250);
  });

  it('answers the usage text for --help', () => {
    const result = configFromCli('tally-balancer', { argv: ['--help'], env: {}, readTextFile: files({}), defaultConfigPath: '/none' });
    if (result.ok !== 'help') throw new Error('expected help');
    expect(result.text).to.include('--health-interval-ms');
  });

  it('reports an unknown flag, a missing explicit file and a file that is not JSON', () => {
    const base = { env: {}, readTextFile: files({ '/bad.json': '{' }), defaultConfigPath: '/none' };
    const unknown = configFromCli('tally-server', { ...base, argv: ['--bogus', '1'] });
    const missing = configFromCli('tally-server', { ...base, argv: ['--config', '/gone.json'] });
    const broken = configFromCli('tally-server', { ...base, argv: [], env: { TALLY_CONFIG: '/bad.json' } });
    expect([unknown.ok, missing.ok, broken.ok]).to.deep.equal([false, false, false]);
    if (missing.ok === false) expect(missing.problems).to.deep.equal(['config file /gone.json does not exist']);
    if (broken.ok === false) expect(broken.problems[0]).to.match(/^config file \/bad.json: /);
  });
});
