import { expect } from 'chai';
import { configFromCli, type CliInput, type CliResult } from '../src/cli-config.js';
import { configKeys, envName, flagName } from '../src/config.js';

const input = (argv: string[], env: Record<string, string> = {}, file?: object): CliInput => ({
  argv,
  env: { TALLY_SECRET: 's', ...env },
  readTextFile: () => (file === undefined ? undefined : JSON.stringify(file)),
  defaultConfigPath: '/nowhere/tally.config.json',
  version: '1.2.3',
});

const problemsOf = <C>(result: CliResult<C>): string[] => {
  if (result.ok !== false) throw new Error(`expected problems, got ${JSON.stringify(result)}`);
  return result.problems;
};

describe('configFromCli()', () => {
  it('reports unknown flags, stray words, missing values, unknown variables and bad values all at once', () => {
    const problems = problemsOf(configFromCli('tally-server', input(
      ['--prot', '7001', 'extra', '--publish-interval-ms', 'soon', '--id'],
      { TALLY_PUBLISH_INTERVALMS: '5' },
    )));
    expect(problems).to.have.length(5);
    expect(problems[0]).to.equal('unknown flag --prot; did you mean --port?');
    expect(problems[1]).to.equal("unexpected argument 'extra'");
    expect(problems[2]).to.equal('--id needs a value');
    expect(problems[3]).to.equal('unknown environment variable TALLY_PUBLISH_INTERVALMS; did you mean TALLY_PUBLISH_INTERVAL_MS?');
    expect(problems[4]).to.match(/^publishIntervalMs \(--publish-interval-ms, TALLY_PUBLISH_INTERVAL_MS\): .*got "soon"$/);
  });

  it('reports the development secret beyond loopback together with the other problems', () => {
    const problems = problemsOf(configFromCli('tally-balancer', input(['--host', '0.0.0.0', '--secret', 'tally-dev-secret', '--suspect-after', '0'])));
    expect(problems).to.have.length(2);
    expect(problems.join('\n')).to.contain('--suspect-after').and.contain('refusing to listen on 0.0.0.0');
  });

  it('accepts the variables the scripts and the client use, and every key of either process', () => {
    const env = { TALLY_RUN_DIR: '/r', TALLY_BALANCER_PORT: '7100', TALLY_CONFIG: '/nowhere/x.json', TALLY_HISTORY: '', TALLY_CLIENT_ID: 'c', TALLY_HEALTH_INTERVAL_MS: '100' };
    const result = configFromCli('tally-server', { ...input([], env), readTextFile: () => '{}' });
    expect(result.ok, JSON.stringify(result)).to.equal(true);
  });

  it('does not suggest a far-away name', () => {
    const problems = problemsOf(configFromCli('tally-server', input(['--zzzzzz'], { TALLY_FOO: '1' })));
    expect(problems).to.deep.equal(['unknown flag --zzzzzz', 'unknown environment variable TALLY_FOO']);
  });

  it('answers -h and --help with every flag, its default and its variable', () => {
    for (const flag of ['-h', '--help']) {
      const result = configFromCli('tally-server', input([flag, '--bogus']));
      expect(result.ok).to.equal('help');
      const text = (result as { text: string }).text;
      for (const key of configKeys('tally-server')) {
        const line = text.split('\n').find((l) => l.trimStart().startsWith(`--${flagName(key)} `) || l.trim() === `--${flagName(key)}`);
        expect(line, key).to.be.a('string').and.contain(envName(key));
      }
      expect(text).to.match(/--publish-interval-ms VALUE +.*\(env TALLY_PUBLISH_INTERVAL_MS; default 1000\)/);
      expect(text).to.contain('-h, --help').and.contain('--version');
    }
  });

  it('answers --version with the process name and version', () => {
    expect(configFromCli('tally-balancer', input(['--version']))).to.deep.equal({ ok: 'version', text: 'tally-balancer 1.2.3' });
  });

  it('takes a bare boolean flag and a flag=value pair', () => {
    const result = configFromCli('tally-server', input(['--log-requests', '--port=0']));
    expect(result.ok, JSON.stringify(result)).to.equal(true);
    expect(result.ok === true && [result.config.logRequests, result.config.port]).to.deep.equal([true, 0]);
  });

  it('reports a bad config file along with bad flags', () => {
    const result = configFromCli('tally-server', { ...input(['--fsync', 'sometimes']), readTextFile: () => '{not json' });
    const problems = problemsOf(result);
    expect(problems).to.have.length(2);
    expect(problems[0]).to.match(/^config file \/nowhere\/tally.config.json: /);
    expect(problems[1]).to.contain('--fsync');
  });
});
