/**
 * One process per data dir. Two servers appending to one log would both continue the same slot
 * and lose acknowledged increments, so a server holds an exclusive lock on its data dir for its
 * whole life, taken before it reads or writes any other file there.
 *
 * Node has no flock, so the lock is a file, `tally.lock`, created with O_EXCL and holding the
 * owner's pid and its start time (field 22 of /proc/<pid>/stat, in clock ticks since boot). The
 * start time makes PID reuse harmless: a lock whose pid is dead, or alive but started at another
 * time, is stale, as after a SIGKILL, and is taken over. The takeover writes a temp file, renames
 * it over the lock, and re-reads it: of two processes taking over the same stale lock at once,
 * the one whose rename came last wins, and the other, re-reading after it, gives up. (A window
 * remains: if B judged the old lock stale before A's rename, and renames only after A re-read,
 * both go on. That takes two starts on one dir within the same few microseconds.)
 *
 * Synchronous on purpose: it runs once, at startup, before anything else may touch the dir.
 */
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const LOCK_FILE = 'tally.lock';

/** Who holds a lock: a pid and its start time (null where /proc is missing). */
export interface LockOwner {
  pid: number;
  startTime: string | null;
}

/** Thrown when a live process other than this one holds the data dir. */
export class DataDirInUseError extends Error {
  readonly dir: string;
  readonly pid: number;
  constructor(dir: string, pid: number) {
    super(`data dir ${dir} is in use by pid ${pid}`);
    this.name = 'DataDirInUseError';
    this.dir = dir;
    this.pid = pid;
  }
}

export interface DataDirLock {
  readonly path: string;
  /** Removes the lock if it is still ours. Safe to call twice. */
  release(): void;
}

export interface LockProbe {
  /** The process's start time, or undefined when no such process runs. */
  startTimeOf(pid: number): string | null | undefined;
  pid: number;
}

/** Start time from /proc/<pid>/stat: undefined when the pid is not running, null without /proc. */
export function procStartTime(pid: number): string | null | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return isAlive(pid) ? null : undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // A zombie (Z) or dead (X) process holds nothing: a SIGKILLed server whose parent has not
  // reaped it (an init that never reaps, a start script that has exited) must not block its restart.
  if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
  return fields[19] ?? null; // field 22 overall; fields[0] is field 3
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const realProbe: LockProbe = { startTimeOf: procStartTime, pid: process.pid };

/** Takes the lock on `dir` (created if missing), or throws DataDirInUseError. */
export function lockDataDir(dir: string, probe: LockProbe = realProbe): DataDirLock {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  const mine: LockOwner = { pid: probe.pid, startTime: probe.startTimeOf(probe.pid) ?? null };
  const content = `${JSON.stringify(mine)}\n`;
  if (!createExclusive(path, content)) {
    const owner = readOwner(path);
    if (owner !== undefined && !isSame(owner, mine) && isLive(owner, probe)) throw new DataDirInUseError(dir, owner.pid);
    takeOver(path, content);
    const now = readOwner(path);
    if (now === undefined || !isSame(now, mine)) throw new DataDirInUseError(dir, now?.pid ?? -1);
  }
  let isReleased = false;
  return {
    path,
    release: () => {
      if (isReleased) return;
      isReleased = true;
      const owner = readOwner(path);
      if (owner !== undefined && isSame(owner, mine)) unlinkQuietly(path);
    },
  };
}

function createExclusive(path: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

function takeOver(path: string, content: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w');
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
}

/** The lock's owner; undefined when the file is gone or unreadable (a torn write: stale). */
export function readOwner(path: string): LockOwner | undefined {
  try {
    const o = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    if (typeof o.pid !== 'number' || !Number.isSafeInteger(o.pid) || o.pid <= 0) return undefined;
    return { pid: o.pid, startTime: typeof o.startTime === 'string' ? o.startTime : null };
  } catch {
    return undefined;
  }
}

const isSame = (a: LockOwner, b: LockOwner): boolean => a.pid === b.pid && a.startTime === b.startTime;

function isLive(owner: LockOwner, probe: LockProbe): boolean {
  const startTime = probe.startTimeOf(owner.pid);
  if (startTime === undefined) return false;
  // Without start times on either side (no /proc), a live pid is all we can go by.
  return owner.startTime === null || startTime === null || startTime === owner.startTime;
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone: nothing to release
  }
}
