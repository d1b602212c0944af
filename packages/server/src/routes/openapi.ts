/** `GET /openapi.json`: built once, on first request. */
import type Router from '@koa/router';
import { serverOpenApi } from '../openapi.js';

export function addOpenApiRoute(router: Router): void {
  let text: string | undefined;
  router.get('/openapi.json', (ctx) => {
    text ??= JSON.stringify(serverOpenApi());
    ctx.type = 'application/json';
    ctx.body = text;
  });
}
