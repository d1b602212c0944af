import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { DataDirInUseError, LOCK_FILE, lockDataDir, procStartTime, readOwner, type LockProbe } from '../../src/store/data-dir-lock.js';

/** A process table: pid -> start time; a pid missing from it is not running. */
function probe(pid: number, table: Record<number, string>): LockProbe {
  return { pid, startTimeOf: (p) => table[p] };
}

describe('lockDataDir()', () => {
  let dir: string;
  beforeEach(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'tally-lock-')), 'data');
  });
  afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

  it('creates the dir and a lock naming this pid and its start time', () => {
    const lock = lockDataDir(dir, probe(100, { 100: '555' }));
    expect(readOwner(lock.path)).to.deep.equal({ pid: 100, startTime: '555' });
  });

  it('refuses a second process while the first is alive, naming its pid', () => {
    lockDataDir(dir, probe(100, { 100: '555', 200: '777' }));
    expect(() => lockDataDir(dir, probe(200, { 100: '555', 200: '777' })))
      .to.throw(DataDirInUseError, `data dir ${dir} is in use by pid 100`);
    expect(readOwner(join(dir, LOCK_FILE))?.pid).to.equal(100);
  });

  it('takes over a lock whose pid is dead (a SIGKILLed server)', () => {
    lockDataDir(dir, probe(100, { 100: '555' }));
    const lock = lockDataDir(dir, probe(200, { 200: '777' }));
    expect(readOwner(lock.path)).to.deep.equal({ pid: 200, startTime: '777' });
  });

  it('takes over a lock whose pid was reused by a process started at another time', () => {
    lockDataDir(dir, probe(100, { 100: '555' }));
    const lock = lockDataDir(dir, probe(200, { 100: '999', 200: '777' }));
    expect(readOwner(lock.path)?.pid).to.equal(200);
  });

  it('takes over a torn (unreadable) lock file', () => {
    lockDataDir(dir, probe(100, { 100: '555' }));
    writeFileSync(join(dir, LOCK_FILE), '{"pi');
    expect(readOwner(lockDataDir(dir, probe(200, { 200: '777' })).path)?.pid).to.equal(200);
  });

  it('removes the lock on release, but never a lock another process took over', () => {
    const first = lockDataDir(dir, probe(100, { 100: '555' }));
    first.release();
    expect(existsSync(first.path)).to.equal(false);
    const second = lockDataDir(dir, probe(200, { 200: '777' }));
    first.release();
    expect(readFileSync(second.path, 'utf8')).to.include('"pid":200');
  });
});

describe('procStartTime()', () => {
  it('reads a start time for this process and nothing for a pid that does not run', () => {
    expect(procStartTime(process.pid)).to.match(/^[0-9]+$/);
    expect(procStartTime(2 ** 22 + 12345)).to.equal(undefined);
  });
});
