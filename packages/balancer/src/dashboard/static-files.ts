/**
 * The dashboard's files (packages/balancer/static/), read once when the app is built and served
 * from memory. Only the names found in that folder then are served: a request names a key of a
 * map and never a path on disk, so no spelling of `..` can reach another file.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context } from 'koa';

/** src/dashboard/ and dist/dashboard/ are both two levels below the package folder. */
export const STATIC_DIR = fileURLToPath(new URL('../../static', import.meta.url));

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/**
 * Everything the page may load comes from this origin; scripts and styles only from files (no
 * inline code), and no other site may frame the page.
 */
const PAGE_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export interface StaticFile {
  body: Buffer;
  type: string;
  etag: string;
}

/** Every file of `dir` with a known type, by name. Other files (and folders) are not served. */
export function loadStaticFiles(dir = STATIC_DIR): ReadonlyMap<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const type = CONTENT_TYPES[extname(entry.name)];
    if (!entry.isFile() || type === undefined) continue;
    const body = readFileSync(join(dir, entry.name));
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    files.set(entry.name, { body, type, etag });
  }
  return files;
}

/**
 * Answers with `file`, or 304 when the browser's copy is current. The files have no hash in
 * their names (there is no build step), so browsers revalidate every time (`no-cache`) and the
 * ETag makes that a bodiless 304: a new balancer version is picked up on the next load.
 */
export function sendStaticFile(ctx: Context, file: StaticFile): void {
  ctx.set('Cache-Control', 'no-cache');
  ctx.set('ETag', file.etag);
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Referrer-Policy', 'no-referrer');
  if (file.type.startsWith('text/html')) ctx.set('Content-Security-Policy', PAGE_POLICY);
  ctx.type = file.type;
  ctx.status = 200; // koa compares validators only for a 2xx answer
  if (ctx.fresh) {
    ctx.status = 304;
    return;
  }
  ctx.body = file.body;
}
