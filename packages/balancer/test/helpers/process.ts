/**
 * Starts the real `tally-balancer` bin as a child process, the way a user or a script would,
 * and keeps what it printed. Build first: the bin runs dist/, not src/.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));
const REPO_ROOT = join(PACKAGE_DIR, '..', '..');
const BIN = join(PACKAGE_DIR, 'bin', 'tally-balancer.js');
const LISTENING = /^tally-balancer listening on (http:\/\/\S+)$/m;

/** Rebuilds dist/ when any src file is newer than dist/main.js (tsc -b is a no-op otherwise). */
export function ensureBuilt(): void {
  const built = statSafe(join(PACKAGE_DIR, 'dist', 'main.js'));
  const srcDir = join(PACKAGE_DIR, 'src');
  const newest = Math.max(...readdirSync(srcDir).map((f) => statSync(join(srcDir, f)).mtimeMs));
  if (built !== undefined && built >= newest) return;
  execFileSync(process.execPath, [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', PACKAGE_DIR], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
  });
}

const statSafe = (path: string): number | undefined => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
};

export interface Child {
  process: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal name) once the process has exited. */
  exited: Promise<number | string>;
}

/** Runs the bin with `args` and an environment free of the caller's TALLY_* settings. */
export function runBin(args: readonly string[], env: Record<string, string> = {}): Child {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TALLY_')));
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString('utf8')));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return { process: child, stdout: () => out, stderr: () => err, exited };
}

/** Waits (at most `withinMs`) for the "listening on" line and returns the URL in it. */
export async function listeningUrl(child: Child, withinMs = 5000): Promise<string> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    const match = LISTENING.exec(child.stdout());
    if (match?.[1] !== undefined) return match[1];
    if (child.process.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`tally-balancer did not report listening within ${withinMs} ms; stderr:\n${child.stderr()}`);
}

/** Resolves with the exit code, or rejects if the process is still running after `withinMs`. */
export function exitWithin(child: Child, withinMs: number): Promise<number | string> {
  return Promise.race([
    child.exited,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still running after ${withinMs} ms`)), withinMs).unref()),
  ]);
}

/** SIGKILLs the child unless it has already exited; for after hooks. */
export function killHard(child: Child | undefined): void {
  if (child !== undefined && child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
}
