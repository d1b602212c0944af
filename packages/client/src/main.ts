/**
 * The `tally` process: the only file that reads argv and the environment and exits.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { runCli } from './cli.js';

// The first Ctrl-C cancels the one-shot command in flight (or ends `watch`); a second one, with
// the default handler back, ends the process. The interactive shell reads Ctrl-C as a key instead.
const interrupt = new AbortController();
process.once('SIGINT', () => interrupt.abort());
const code = await runCli(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  home: homedir(),
  signal: interrupt.signal,
  version: (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? 'unknown',
});
// Let piped output drain before leaving: process.exit does not wait for it.
await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
await new Promise<void>((resolve) => process.stderr.write('', () => resolve()));
process.exit(code);
