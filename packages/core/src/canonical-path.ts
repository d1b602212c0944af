/**
 * One canonical form of a request path, for access rules. The router matches paths strictly
 * (case-sensitive, no trailing slash, no decoding of literal segments), so an odd spelling of an
 * internal route usually does not route at all. The guard must not depend on that: it decides on
 * the most permissive reading of the path, so that no spelling that ANY layer could take for an
 * internal route ever gets past it without the secret.
 *
 * The rule: percent-decode (repeatedly, so `%2569` counts as `i`), turn `\` into `/`, lower-case,
 * collapse runs of slashes, resolve `.` and `..` segments, and drop a trailing slash. A request
 * whose canonical path is protected needs the secret; only then does the strict router decide
 * between its route and a 404.
 */

/** Enough for any real path; past it the path is left as the last decoding produced. */
const MAX_DECODE_ROUNDS = 4;

/**
 * A path with nothing to undo: it starts with `/` and has no escape, no backslash, no empty
 * segment (`//`, a trailing `/`) and no segment that starts with a dot (so no `.` or `..`). Its
 * canonical form is its lower-case spelling, which is what the full rule below produces for it.
 * Nearly every request is one, and the guard runs on every request; the full rule splits and
 * joins.
 */
const PLAIN_PATH = /^(?:\/[^/%\\.][^/%\\]*)+$/;

export function canonicalPath(path: string): string {
  return PLAIN_PATH.test(path) ? path.toLowerCase() : resolvePath(path);
}

/** The full rule, for any path (exported for the test that holds the fast path to it). */
export function resolvePath(path: string): string {
  let text = path;
  for (let round = 0; round < MAX_DECODE_ROUNDS && text.includes('%'); round++) {
    const decoded = decodeLoosely(text);
    if (decoded === text) break;
    text = decoded;
  }
  const segments: string[] = [];
  for (const segment of text.replace(/\\/g, '/').toLowerCase().split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return `/${segments.join('/')}`;
}

/** Is the canonical path `prefix` itself or below it (`/internal`, `/internal/state`)? */
export function isUnder(canonical: string, prefix: string): boolean {
  return canonical === prefix || canonical.startsWith(`${prefix}/`);
}

/** Decodes every valid `%XX`; a malformed escape (`%zz`, a lone byte of UTF-8) stays as it is. */
function decodeLoosely(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text.replace(/%[0-9a-fA-F]{2}/g, (escape) => {
      const code = parseInt(escape.slice(1), 16);
      return code < 0x80 ? String.fromCharCode(code) : escape;
    });
  }
}
