/**
 * The member set on disk: `members.json` in the data dir, replaced atomically (temp file, fsync,
 * rename, fsync of the dir), so a crash leaves the old set or the new one, never a mix. A server
 * must never forget a member, so a file that exists but can't be read is an error, not an
 * empty set.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { memberListSchema, membersFromJSON, membersToJSON, type MemberSet } from '@tally/core';
import { writeFileAtomic } from '../store/data-dir.js';

export const MEMBERS_FILE = 'members.json';

/** The persisted set, or undefined when this data dir never held one. */
export async function loadMembers(dir: string): Promise<MemberSet | undefined> {
  const path = join(dir, MEMBERS_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${path} is not valid JSON (${(err as Error).message}); restore it or remove the data dir to rejoin as a new member`);
  }
  const version = (json as { version?: unknown } | null)?.version;
  if (version !== 1) throw new Error(`${path} is not a version 1 member file, got version ${JSON.stringify(version)}`);
  const parsed = memberListSchema.safeParse((json as { members?: unknown }).members);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${path} is not a member file: members.${issue?.path.join('.') ?? ''}: ${issue?.message}`);
  }
  return membersFromJSON(parsed.data);
}

/** Replaces the persisted set; resolves once it is durable. */
export async function saveMembers(dir: string, set: MemberSet): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(dir, MEMBERS_FILE, `${JSON.stringify({ version: 1, members: membersToJSON(set) })}\n`);
}
