import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { ACTORS_FILE, openActorsFile } from '../../src/state/actors-file.js';
import { makeTempDir, removeDir } from '../store/helpers.js';

describe('openActorsFile()', () => {
  let dir: string;
  beforeEach(async () => (dir = await makeTempDir('tally-actors-')));
  afterEach(() => removeDir(dir));

  it('starts empty, and reads back what was saved', async () => {
    const first = await openActorsFile(join(dir, 'not-yet'));
    expect(first.saved).to.deep.equal([]);
    await first.save(['http://127.0.0.1:7002', 'http://127.0.0.1:7003']);
    expect((await openActorsFile(join(dir, 'not-yet'))).saved).to.deep.equal(['http://127.0.0.1:7002', 'http://127.0.0.1:7003']);
  });

  it('refuses a corrupt file instead of starting without peers', async () => {
    await writeFile(join(dir, ACTORS_FILE), '{"actors": [');
    let message = '';
    await openActorsFile(dir).catch((err: Error) => (message = err.message));
    expect(message).to.include(ACTORS_FILE).and.include('fix or delete it');
  });
});
