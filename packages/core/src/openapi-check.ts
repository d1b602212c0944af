/**
 * Consistency checks between a koa router's registered routes and an OpenAPI document, shared by
 * both bins' tests (and usable by anyone adding routes): every route is documented, every
 * documented route exists, and every `$ref` resolves.
 */
import { openApiPath, type OpenApiDocument } from './openapi.js';

/** What @koa/router's `router.stack` holds, as far as the check needs it. */
export interface RouteLayer {
  path: string | RegExp;
  methods: string[];
}

/** `GET /counter/{name}/value` entries of the router, HEAD (implied by GET) and excluded paths left out. */
export function routerOperations(stack: readonly RouteLayer[], isExcluded: (path: string) => boolean): Set<string> {
  const ops = new Set<string>();
  for (const layer of stack) {
    if (typeof layer.path !== 'string' || isExcluded(layer.path)) continue;
    for (const method of layer.methods) if (method !== 'HEAD') ops.add(`${method} ${openApiPath(layer.path)}`);
  }
  return ops;
}

/** The document's operations; those marked `x-tally-redirect` only when asked for. */
export function documentOperations(doc: OpenApiDocument, which: 'routed' | 'redirected' = 'routed'): Set<string> {
  const ops = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if ((op?.['x-tally-redirect'] === true) === (which === 'redirected')) ops.add(`${method.toUpperCase()} ${path}`);
    }
  }
  return ops;
}

/** Every local `$ref` in the document that does not resolve. */
export function unresolvedRefs(doc: OpenApiDocument): string[] {
  const missing: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && resolve(doc, value) === undefined) missing.push(value);
      else visit(value);
    }
  };
  visit(doc);
  return missing;
}

function resolve(doc: OpenApiDocument, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = doc;
  for (const part of ref.slice(2).split('/')) {
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined;
  }
  return node;
}
