import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { loadStaticFiles, STATIC_DIR } from '../../src/dashboard/static-files.js';

describe('loadStaticFiles()', () => {
  it('serves files of known types only, never folders or other files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tally-static-'));
    try {
      writeFileSync(join(dir, 'a.js'), 'x');
      writeFileSync(join(dir, 'notes.txt'), 'secret plans');
      writeFileSync(join(dir, '.env'), 'TALLY_SECRET=x');
      mkdirSync(join(dir, 'sub.css'));
      const files = loadStaticFiles(dir);
      expect([...files.keys()]).to.deep.equal(['a.js']);
      expect(files.get('a.js')?.type).to.equal('text/javascript; charset=utf-8');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives equal files equal ETags and different files different ones', () => {
    const files = loadStaticFiles();
    const etags = new Set([...files.values()].map((f) => f.etag));
    expect(etags.size).to.equal(files.size);
    expect(loadStaticFiles().get('index.html')?.etag).to.equal(files.get('index.html')?.etag);
  });

  it('ships every file the page refers to', () => {
    const shipped = new Set(readdirSync(STATIC_DIR));
    const files = loadStaticFiles();
    const referenced = new Set<string>();
    for (const [name, file] of files) {
      if (!/\.(html|js)$/.test(name)) continue;
      const text = file.body.toString('utf8');
      for (const m of text.matchAll(/\/dashboard\/assets\/([a-z-]+\.[a-z]+)/g)) referenced.add(m[1] ?? '');
      for (const m of text.matchAll(/from '\.\/([a-z-]+\.js)'/g)) referenced.add(m[1] ?? '');
    }
    expect(referenced.size).to.be.greaterThan(4);
    for (const name of referenced) expect(shipped.has(name) && files.has(name), name).to.equal(true);
  });
});
