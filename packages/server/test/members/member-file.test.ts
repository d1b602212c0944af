import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { equalMembers, membersFromJSON, type Member } from '@tally/core';
import { MEMBERS_FILE, loadMembers, saveMembers } from '../../src/members/member-file.js';

const member = (id: string, state: Member['state'] = 'active'): Member => ({ id, epoch: 1, url: `http://127.0.0.1:700${id.slice(1)}`, urlAt: 1, state, lastContactAt: 0 });

describe('member-file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tally-members-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('loadMembers()', () => {
    it('answers undefined for a data dir that never held a set', async () => {
      expect(await loadMembers(join(dir, 'missing'))).to.equal(undefined);
    });

    it('refuses a damaged file instead of forgetting members', async () => {
      writeFileSync(join(dir, MEMBERS_FILE), '{"version":1,"members":[{"id":"s1"');
      let error: Error | undefined;
      await loadMembers(dir).catch((err: Error) => { error = err; });
      expect(error?.message).to.match(/members\.json is not valid JSON/);
    });

    it('names the offending field of a file with a bad record', async () => {
      writeFileSync(join(dir, MEMBERS_FILE), JSON.stringify({ version: 1, members: [{ ...member('s1'), state: 'gone' }] }));
      let error: Error | undefined;
      await loadMembers(dir).catch((err: Error) => { error = err; });
      expect(error?.message).to.match(/members\.0\.state/);
    });

    it('refuses an unknown file version', async () => {
      writeFileSync(join(dir, MEMBERS_FILE), JSON.stringify({ version: 2, members: [] }));
      let error: Error | undefined;
      await loadMembers(dir).catch((err: Error) => { error = err; });
      expect(error?.message).to.match(/not a version 1 member file, got version 2/);
    });
  });

  describe('saveMembers()', () => {
    it('round-trips a set, decommissioned members included', async () => {
      const set = membersFromJSON([member('s2', 'decommissioned'), member('s1')]);
      await saveMembers(dir, set);
      const loaded = await loadMembers(dir);
      expect(loaded !== undefined && equalMembers(loaded, set)).to.equal(true);
    });

    it('creates a missing data dir and leaves no temp file behind', async () => {
      const nested = join(dir, 'a', 'b');
      await saveMembers(nested, membersFromJSON([member('s1')]));
      expect(readdirSync(nested)).to.deep.equal([MEMBERS_FILE]);
    });

    it('replaces the previous set whole', async () => {
      await saveMembers(dir, membersFromJSON([member('s1'), member('s2')]));
      await saveMembers(dir, membersFromJSON([member('s3')]));
      const text = readFileSync(join(dir, MEMBERS_FILE), 'utf8');
      expect(JSON.parse(text).members.map((m: Member) => m.id)).to.deep.equal(['s3']);
    });
  });
});
