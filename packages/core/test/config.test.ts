import { expect } from 'chai';
import { envName, flagName, resolveConfig } from '../src/config.js';

const server = (sources: { file?: unknown; env?: Record<string, string>; flags?: Record<string, string> }) =>
  resolveConfig('tally-server', { env: sources.env ?? {}, flags: { secret: 's', ...sources.flags }, file: sources.file });

describe('flagName() and envName()', () => {
  it('turn a camelCase key into its flag and its variable', () => {
    expect(flagName('publishIntervalMs')).to.equal('publish-interval-ms');
    expect(envName('publishIntervalMs')).to.equal('TALLY_PUBLISH_INTERVAL_MS');
  });
});

describe('resolveConfig()', () => {
  it('applies defaults and freezes the result', () => {
    const result = server({});
    if (result.ok !== true) throw new Error(result.problems.join('; '));
    expect(result.config.publishIntervalMs).to.equal(1000);
    expect(result.config.fsync).to.equal('always');
    expect(Object.isFrozen(result.config)).to.equal(true);
  });

  it('lets the file lose to the environment, and the environment to flags', () => {
    const file = { publishIntervalMs: 100, 'tally-server': { waitTimeoutMs: 300 } };
    const result = server({ file, env: { TALLY_PUBLISH_INTERVAL_MS: '200', TALLY_WAIT_TIMEOUT_MS: '400' }, flags: { 'wait-timeout-ms': '500' } });
    if (result.ok !== true) throw new Error(result.problems.join('; '));
    expect(result.config.publishIntervalMs).to.equal(200);
    expect(result.config.waitTimeoutMs).to.equal(500);
  });

  it('ignores the other process section and a top-level key of the other process', () => {
    const result = server({ file: { healthIntervalMs: 5, 'tally-balancer': { port: 1 } } });
    expect(result.ok).to.equal(true);
  });

  it('lists every problem at once, naming the flag, the variable and the value', () => {
    const result = server({ file: { bogus: 1 }, flags: { 'publish-interval-ms': 'soon', fsync: 'sometimes' } });
    if (result.ok !== false) throw new Error('expected problems');
    expect(result.problems).to.have.length(3);
    expect(result.problems.join('\n')).to.include("config file: unknown key 'bogus'");
    expect(result.problems.join('\n')).to.include('publishIntervalMs (--publish-interval-ms, TALLY_PUBLISH_INTERVAL_MS)');
    expect(result.problems.join('\n')).to.include('got "sometimes"');
  });

  it('says a required key is required', () => {
    const result = resolveConfig('tally-server', { env: {}, flags: {} });
    if (result.ok !== false) throw new Error('expected problems');
    expect(result.problems).to.deep.equal(['secret (--secret, TALLY_SECRET) is required']);
  });

  it('refuses a balancer whose removeAfter is below suspectAfter', () => {
    const result = resolveConfig('tally-balancer', { env: {}, flags: { secret: 's', 'suspect-after': '5', 'remove-after': '2' } });
    if (result.ok !== false) throw new Error('expected problems');
    expect(result.problems[0]).to.include('removeAfter must be at least suspectAfter');
  });
});
