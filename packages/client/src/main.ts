/**
 * The `tally` process: the only file that reads argv and the environment and exits.
 */
import { homedir } from 'node:os';
import { runCli } from './cli.js';

const code = await runCli(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  home: homedir(),
});
// Let piped output drain before leaving: process.exit does not wait for it.
await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
await new Promise<void>((resolve) => process.stderr.write('', () => resolve()));
process.exit(code);
