/**
 * A keyed type's durable log: `<type.logFile>` in the data dir (`items.ndjson` for the item set),
 * one line per group commit, `<crc32 8 hex> <json [[key, [parts]], ...]>\n`. A keyed state only
 * grows and joins are order-free, so the log needs no snapshots and no sequence numbers:
 * replaying every whole line rebuilds the states, a repeated part is harmless, and a torn or
 * corrupt tail is cut (it was never acknowledged under `fsync always`). Each part is written once,
 * when it is news here, so the file stays about the size of the state.
 *
 * The fsync policy is the counter store's: `always` acknowledges after a group-committed
 * fdatasync, `interval` fdatasyncs every `fsyncIntervalMs`, `none` leaves it to the kernel.
 */
import { open, readFile, mkdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { keyedWireSchemas, type KeyedGroups, type KeyedWireSchemas } from '@tally/core';
import type { FsyncPolicy } from '../store/types.js';
import { GroupCommit } from '../store/group-commit.js';
import { crcHex } from '../store/log-line.js';
import type { KeyedType } from './keyed-type.js';

export interface KeyedLogOptions {
  dir: string;
  fsync: FsyncPolicy;
  fsyncIntervalMs: number;
}

export interface LoadedParts {
  groups: KeyedGroups[];
  /** What was cut from a damaged tail; undefined when the log was whole. */
  damage: string | undefined;
}

/** The part of a keyed type the log needs: its file and its rules for lines it reads back. */
export type LoggedType = Pick<KeyedType<unknown, unknown>, 'logFile' | 'isKey' | 'keyMessage' | 'isPart' | 'partMessage'>;

export class KeyedLog {
  readonly #options: KeyedLogOptions;
  readonly #fileName: string;
  readonly #groups: KeyedWireSchemas['groups'];
  #file: FileHandle | undefined;
  #timer: NodeJS.Timeout | undefined;
  #isDirty = false;
  readonly #commits = new GroupCommit<KeyedGroups>({ commit: (batch) => this.#write(batch) });

  constructor(type: LoggedType, options: KeyedLogOptions) {
    this.#options = options;
    this.#fileName = type.logFile;
    this.#groups = keyedWireSchemas(type).groups;
  }

  get path(): string {
    return join(this.#options.dir, this.#fileName);
  }

  /** Reads every whole line, cuts a damaged tail, and opens the file for appends. */
  async load(): Promise<LoadedParts> {
    await mkdir(this.#options.dir, { recursive: true });
    let data: Buffer;
    try {
      data = await readFile(this.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      data = Buffer.alloc(0);
    }
    const { groups, goodBytes, damage } = scan(data, this.#groups);
    this.#file = await open(this.path, 'a+');
    if (goodBytes < data.length) {
      await this.#file.truncate(goodBytes);
      await this.#file.datasync();
    }
    if (this.#options.fsync === 'interval') {
      this.#timer = setInterval(() => this.#commits.schedule(() => this.#syncIfDirty()), this.#options.fsyncIntervalMs);
      this.#timer.unref();
    }
    return { groups, damage };
  }

  /** Resolves once the ids are durable under the fsync policy; concurrent calls share a write. */
  append(groups: KeyedGroups): Promise<void> {
    return this.#commits.submit(groups);
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#commits.idle();
    if (this.#file !== undefined && this.#commits.failure === undefined) await this.#file.datasync();
    await this.#file?.close();
    this.#file = undefined;
  }

  async #write(batch: KeyedGroups[]): Promise<void> {
    if (this.#file === undefined) throw new Error(`${this.#fileName} is not open`);
    const lines = batch.map((groups) => {
      const json = JSON.stringify(groups);
      return `${crcHex(json)} ${json}\n`;
    });
    await this.#file.write(lines.join(''));
    if (this.#options.fsync === 'always') await this.#file.datasync();
    else this.#isDirty = true;
  }

  async #syncIfDirty(): Promise<void> {
    if (!this.#isDirty || this.#file === undefined) return;
    this.#isDirty = false;
    await this.#file.datasync();
  }
}

/** Whole, valid lines from the start; stops at the first damaged one. */
function scan(data: Buffer, schema: KeyedWireSchemas['groups']): { groups: KeyedGroups[]; goodBytes: number; damage: string | undefined } {
  const groups: KeyedGroups[] = [];
  let pos = 0;
  while (pos < data.length) {
    const end = data.indexOf(0x0a, pos);
    if (end === -1) return { groups, goodBytes: pos, damage: 'last line has no newline (torn write)' };
    const line = parseLine(data.subarray(pos, end), schema);
    if (typeof line === 'string') return { groups, goodBytes: pos, damage: line };
    groups.push(line);
    pos = end + 1;
  }
  return { groups, goodBytes: pos, damage: undefined };
}

function parseLine(line: Buffer, schema: KeyedWireSchemas['groups']): KeyedGroups | string {
  const hex = line.toString('latin1', 0, 8);
  if (line.length < 10 || line[8] !== 0x20 || !/^[0-9a-f]{8}$/.test(hex)) return 'line is not framed as "<crc32> <json>"';
  const body = line.subarray(9);
  if (crc32(body) !== Number.parseInt(hex, 16)) return 'checksum mismatch';
  try {
    return schema.parse(JSON.parse(body.toString('utf8')));
  } catch (err) {
    return `bad line: ${(err as Error).message.slice(0, 200)}`;
  }
}

/** What the keyed service needs from its log; `memoryKeyedLog` keeps it in memory for tests. */
export type KeyedLogPort = Pick<KeyedLog, 'load' | 'append' | 'close'>;

export function memoryKeyedLog(): KeyedLogPort {
  const lines: KeyedGroups[] = [];
  return {
    load: async () => ({ groups: [...lines], damage: undefined }),
    append: async (groups) => {
      lines.push(groups);
    },
    close: async () => undefined,
  };
}
