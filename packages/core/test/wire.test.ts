import { expect } from 'chai';
import {
  counterJsonSchema,
  digestAnswerSchema,
  frameEnvelopeSchema,
  registerRequestSchema,
  replicateAckSchema,
  replicateFrameSchema,
} from '../src/wire.js';

const SLOT = 's1:1764000000000';

describe('counterJsonSchema', () => {
  it('accepts slot ids mapped to [p, n] decimal strings', () => {
    expect(counterJsonSchema.safeParse({ [SLOT]: ['5', '0'] }).success).to.equal(true);
  });

  it('refuses leading zeros, signs, numbers and bad slot ids', () => {
    for (const bad of [{ [SLOT]: ['05', '0'] }, { [SLOT]: ['-1', '0'] }, { [SLOT]: [5, 0] }, { s1: ['1', '0'] }]) {
      expect(counterJsonSchema.safeParse(bad).success, JSON.stringify(bad)).to.equal(false);
    }
  });
});

describe('frameEnvelopeSchema', () => {
  const frame = { from: 's1', slot: SLOT, full: false, counters: { hits: { [SLOT]: ['1', '0'] } } };

  it('accepts an envelope and leaves the counters unchecked for frame-check', () => {
    const parsed = frameEnvelopeSchema.safeParse({ ...frame, counters: { hits: 'anything' } });
    expect(parsed.success).to.equal(true);
  });

  it('refuses unknown keys, a bad sender id and counters that are not an object', () => {
    expect(frameEnvelopeSchema.safeParse({ ...frame, extra: 1 }).success).to.equal(false);
    expect(frameEnvelopeSchema.safeParse({ ...frame, from: 's1:2' }).success).to.equal(false);
    expect(frameEnvelopeSchema.safeParse({ ...frame, counters: [] }).success).to.equal(false);
  });
});

describe('replicateFrameSchema', () => {
  it('checks every counter name and slot of a whole frame', () => {
    const base = { from: 's1', slot: SLOT, full: true };
    expect(replicateFrameSchema.safeParse({ ...base, counters: { hits: { [SLOT]: ['1', '2'] } } }).success).to.equal(true);
    expect(replicateFrameSchema.safeParse({ ...base, counters: { 'bad name': { [SLOT]: ['1', '2'] } } }).success).to.equal(false);
  });
});

describe('replicateAckSchema', () => {
  it('reads an ack without refusals as refusing nothing', () => {
    expect(replicateAckSchema.parse({ slot: SLOT, merged: 3 })).to.deep.equal({ slot: SLOT, merged: 3, refused: [], refusedCount: 0 });
  });

  it('refuses a negative or fractional merged count and a bad slot', () => {
    expect(replicateAckSchema.safeParse({ slot: SLOT, merged: -1 }).success).to.equal(false);
    expect(replicateAckSchema.safeParse({ slot: SLOT, merged: 1.5 }).success).to.equal(false);
    expect(replicateAckSchema.safeParse({ slot: 'nope', merged: 1 }).success).to.equal(false);
  });
});

describe('registerRequestSchema', () => {
  it('strips trailing slashes from the url', () => {
    expect(registerRequestSchema.parse({ id: 's1', url: 'http://127.0.0.1:7001//' })).to.deep.equal({ id: 's1', url: 'http://127.0.0.1:7001' });
  });

  it('refuses a query, a fragment, another protocol and a bad id', () => {
    for (const body of [
      { id: 's1', url: 'http://127.0.0.1:7001/?a=1' },
      { id: 's1', url: 'http://127.0.0.1:7001/#x' },
      { id: 's1', url: 'ftp://127.0.0.1:7001' },
      { id: 'bad id', url: 'http://127.0.0.1:7001' },
    ]) {
      expect(registerRequestSchema.safeParse(body).success, JSON.stringify(body)).to.equal(false);
    }
  });
});

describe('digestAnswerSchema', () => {
  it('accepts 16-hex-digit child hashes keyed by node index', () => {
    expect(digestAnswerSchema.safeParse({ slot: SLOT, level: 1, children: { '3': ['0123456789abcdef'] } }).success).to.equal(true);
  });

  it('refuses short hashes, upper case and non-numeric node keys', () => {
    for (const children of [{ '3': ['0123'] }, { '3': ['0123456789ABCDEF'] }, { x: ['0123456789abcdef'] }]) {
      expect(digestAnswerSchema.safeParse({ slot: SLOT, level: 1, children }).success).to.equal(false);
    }
  });
});
