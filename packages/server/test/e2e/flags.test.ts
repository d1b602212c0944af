/**
 * Flags and help on every bin, as a user sees them: -h and --help, --version, and every config
 * problem at once with exit code 2.
 */
import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import { BIN, REPO } from './harness.js';

function run(bin: string, args: string[], env: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: REPO, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 15_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('e2e: flags and help on every bin', function () {
  this.timeout(30_000);

  for (const [name, bin] of [['tally-server', BIN.server], ['tally-balancer', BIN.balancer], ['tally', BIN.client]] as const) {
    it(`${name}: -h and --help describe the flags and exit 0; --version prints the version`, () => {
      for (const flag of ['-h', '--help']) {
        const help = run(bin, [flag]);
        expect(help.code, help.stderr).to.equal(0);
        expect(help.stdout).to.match(/--balancer|--port/).and.contain('TALLY_');
      }
      const version = run(bin, ['--version']);
      expect(version.code).to.equal(0);
      expect(version.stdout).to.match(/\b0\.1\.0\b/);
    });
  }

  it('tally-server -h gives each flag its default and its variable', () => {
    const help = run(BIN.server, ['-h']).stdout;
    expect(help).to.match(/--publish-interval-ms VALUE +.*\(env TALLY_PUBLISH_INTERVAL_MS; default 1000\)/);
    expect(help).to.match(/--fsync VALUE +.*\(env TALLY_FSYNC; default always\)/);
  });

  it('tally-server reports an unknown flag, an unknown variable, a bad value and the secret rule at once, exiting 2', () => {
    const result = run(BIN.server, ['--prot', '1', '--fsync', 'sometimes', '--host', '0.0.0.0', '--secret', 'tally-dev-secret'], { TALLY_PUBLISH_INTERVAL: '5' });
    expect(result.code).to.equal(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).to.equal('tally-server: invalid configuration:');
    expect(lines.slice(1)).to.have.length(4);
    expect(result.stderr)
      .to.contain('unknown flag --prot; did you mean --port?')
      .and.contain('unknown environment variable TALLY_PUBLISH_INTERVAL; did you mean TALLY_PUBLISH_INTERVAL_MS?')
      .and.contain('--fsync')
      .and.contain('refusing to listen on 0.0.0.0');
  });
});
