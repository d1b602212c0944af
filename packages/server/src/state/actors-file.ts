/**
 * The actors a `POST /config` set, kept in the data dir (`actors.json`, written atomically) so
 * that a restarted server knows its peers from its own disk, with or without a balancer.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseActors } from '@tally/core';
import { writeFileAtomic } from '../store/data-dir.js';

export const ACTORS_FILE = 'actors.json';

export interface ActorsFile {
  /** The actors read at start, as URLs. */
  readonly saved: readonly string[];
  /** Replaces the saved list durably; resolves once it is fsynced. */
  save(urls: readonly string[]): Promise<void>;
}

/** Reads `dir/actors.json` (absent = no actors); a corrupt file is a startup error, not silence. */
export async function openActorsFile(dir: string): Promise<ActorsFile> {
  let saved: string[] = [];
  try {
    const text = await readFile(join(dir, ACTORS_FILE), 'utf8');
    // The stored form is the validated URL list, so parsing it again is the same rule.
    saved = parseActors(JSON.parse(text), 1);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new Error(`${join(dir, ACTORS_FILE)} is unreadable (${(err as Error).message}); fix or delete it`);
    }
  }
  return {
    saved,
    async save(urls) {
      await mkdir(dir, { recursive: true });
      await writeFileAtomic(dir, ACTORS_FILE, `${JSON.stringify({ actors: urls })}\n`);
    },
  };
}
