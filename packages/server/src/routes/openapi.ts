/** `GET /openapi.json`: built once, on first request. */
import type { RouteTable } from '../http/segment-router.js';
import { serverOpenApi } from '../openapi.js';

export function addOpenApiRoute(router: RouteTable): void {
  let text: string | undefined;
  router.get('/openapi.json', (ctx) => {
    text ??= JSON.stringify(serverOpenApi());
    ctx.type = 'application/json';
    ctx.body = text;
  });
}
