import { expect } from 'chai';
import { configKeys, envName, fieldDefault, flagName } from '../src/config.js';
import { configUsage } from '../src/config-help.js';

describe('configUsage()', () => {
  for (const kind of ['tally-server', 'tally-balancer'] as const) {
    it(`lists every ${kind} key with its flag, env variable and default`, () => {
      const text = configUsage(kind);
      expect(text.split('\n')[0]).to.equal(`usage: ${kind} [--config FILE] [--FLAG VALUE ...]`);
      for (const key of configKeys(kind)) {
        const line = text.split('\n').find((l) => l.trimStart().startsWith(`--${flagName(key)} `) || l.trim() === `--${flagName(key)}`);
        expect(line, key).to.be.a('string');
        expect(line).to.include(`env ${envName(key)}`);
        const fallback = fieldDefault(kind, key);
        if (fallback !== undefined) expect(line).to.include(`default ${fallback}`);
      }
    });
  }

  it('describes every server key (none falls back to its bare name)', () => {
    const text = configUsage('tally-server');
    for (const key of configKeys('tally-server')) {
      expect(text, key).to.not.match(new RegExp(`--${flagName(key)}( VALUE)?\\s+${key} \\(`));
    }
  });

  it('takes no VALUE for a boolean flag and aligns the descriptions', () => {
    const lines = configUsage('tally-balancer').split('\n').filter((l) => l.startsWith('  -'));
    expect(lines.some((l) => /--log-requests\s/.test(l) && !l.includes('--log-requests VALUE'))).to.equal(true);
    const columns = new Set(lines.map((l) => l.search(/\S/u) + l.trimStart().search(/ {2}\S/) + 2));
    expect(columns.size).to.equal(1);
  });
});
