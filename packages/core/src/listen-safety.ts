/**
 * The check that keeps the shipped development secret off the network: anyone who has read
 * tally.config.json could otherwise register a server of their own and receive clients.
 */
import { isIP } from 'node:net';

/** The secret in the repo's tally.config.json; fine on loopback, never beyond it. */
export const DEV_SECRET = 'tally-dev-secret';

/** True for `localhost`, 127.0.0.0/8, `::1` and IPv4-mapped 127.x; false for `0.0.0.0` and the rest. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  // WHATWG URL writes IPv6 in canonical form: 0:0:0:0:0:0:0:1 -> ::1, ::ffff:127.0.0.1 -> ::ffff:7f00:1.
  if (isIP(bare) === 6) return /^\[(?:::1|::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4})\]$/.test(new URL(`http://[${bare}]`).hostname);
  return false;
}

/** Why the process must not start with this secret on this host, or undefined when it may. */
export function unsafeSecretProblem(config: { secret: string; host: string }): string | undefined {
  if (config.secret !== DEV_SECRET || isLoopbackHost(config.host)) return undefined;
  return (
    `refusing to listen on ${config.host} with the shipped development secret '${DEV_SECRET}': ` +
    'set your own with --secret or TALLY_SECRET, or listen on a loopback address such as 127.0.0.1'
  );
}
