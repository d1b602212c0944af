import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { membersFromJSON, type Member } from '@tally/core';
import { MemberBook } from '../../src/members/member-book.js';
import { loadMembers } from '../../src/members/member-file.js';

const log = pino({ level: 'silent' });
const member = (id: string, over: Partial<Member> = {}): Member => ({ id, epoch: 1, url: `http://127.0.0.1:700${id.slice(1)}`, urlAt: 1, state: 'active', lastContactAt: 0, ...over });

describe('MemberBook', () => {
  let dir: string;
  let clock = 1000;
  const open = (url = 'http://127.0.0.1:7001'): Promise<MemberBook> => MemberBook.open({ dir, self: { id: 's1', url }, now: () => clock, log });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tally-book-'));
    clock = 1000;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('#merge()', () => {
    it('is on disk when it resolves, and a reopened book has the same members', async () => {
      const book = await open();
      await book.admit(book.proposedSelf());
      await book.merge(membersFromJSON([member('s2')]));
      expect((await loadMembers(dir))?.has('s2')).to.equal(true);
      expect((await open()).active().map((m) => m.id)).to.deep.equal(['s1', 's2']);
    });

    it('ignores its own active record from others until it has joined', async () => {
      const book = await open();
      await book.merge(membersFromJSON([member('s1'), member('s2')]));
      expect(book.isMember).to.equal(false);
      expect(book.active().map((m) => m.id)).to.deep.equal(['s2']);
    });

    it('tells listeners about durable changes only', async () => {
      const book = await open();
      const seen: number[] = [];
      book.onChange((set) => seen.push(set.size));
      await book.merge(membersFromJSON([member('s2')]));
      await book.merge(membersFromJSON([member('s2', { lastContactAt: 50 })]));
      expect(seen).to.deep.equal([1]);
    });
  });

  describe('#proposedSelf()', () => {
    it('rejoins a decommissioned id with a higher epoch', async () => {
      const book = await open();
      await book.merge(membersFromJSON([member('s1', { state: 'decommissioned' })]));
      clock = 5000;
      const me = book.proposedSelf();
      expect(me).to.include({ id: 's1', epoch: 5000, state: 'active' });
      await book.admit(me);
      expect(book.isMember).to.equal(true);
    });
  });

  describe('#decommission()', () => {
    it('marks a member decommissioned for good, persisted', async () => {
      const book = await open();
      await book.admit(book.proposedSelf());
      await book.merge(membersFromJSON([member('s2')]));
      expect(await book.decommission('s2')).to.equal(true);
      expect(await book.decommission('s9')).to.equal(false);
      expect((await loadMembers(dir))?.get('s2')?.state).to.equal('decommissioned');
      await book.merge(membersFromJSON([member('s2')]));
      expect(book.isActive('s2')).to.equal(false);
    });
  });

  describe('#refreshSelfUrl()', () => {
    it('announces a moved URL with a newer timestamp', async () => {
      const first = await open();
      await first.admit(first.proposedSelf());
      clock = 2000;
      const moved = await open('http://127.0.0.1:7999');
      await moved.refreshSelfUrl();
      expect(moved.self).to.include({ url: 'http://127.0.0.1:7999', urlAt: 2000 });
    });
  });
});
