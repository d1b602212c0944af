/**
 * A config file with no balancer, for clusters that run on static peers or `POST /config`:
 * tally.config.json names a balancer on :7000, which on a shared machine may be anyone's.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function noBalancerConfig(): string {
  const path = join(tmpdir(), `tally-no-balancer-${process.pid}.json`);
  writeFileSync(path, '{}\n');
  return path;
}
