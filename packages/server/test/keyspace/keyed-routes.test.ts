import Router from '@koa/router';
import { expect } from 'chai';
import { addKeyedRoutes } from '../../src/keyspace/keyed-routes.js';
import type { KeyedService } from '../../src/keyspace/keyed-service.js';
import type { KeyedType } from '../../src/keyspace/keyed-type.js';
import { itemType } from '../../src/items/item-type.js';
import { http, startKoa, type KoaServer } from '../support/koa-server.js';
import { maxRegisterType } from '../support/max-register-type.js';

/** A service that answers one key's pull with the key, and records it. */
function fakeService<S, V>(pulled: string[]): KeyedService<S, V> {
  // Only keyPull is reached by the requests below; the rest of the service is not needed.
  const pull = (key: string) => (pulled.push(key), { slot: 's1:1', key, ids: [] });
  return { keyPull: pull } as unknown as KeyedService<S, V>;
}

async function serve<S, V>(type: KeyedType<S, V>, pulled: string[]): Promise<KoaServer> {
  const router = new Router();
  addKeyedRoutes(router, type, fakeService<S, V>(pulled), 4096);
  return startKoa((app) => app.use(router.routes()));
}

describe('addKeyedRoutes() one key', () => {
  it("refuses a malformed key with the type's own code and message, and pulls a good one", async () => {
    const pulled: string[] = [];
    const server = await serve(itemType, pulled);
    try {
      const bad = await http.get(`${server.url}/internal/items/${encodeURIComponent('no spaces')}`);
      expect(bad.statusCode).to.equal(400);
      // The code /internal/items/:tenant answered before the keyed-state engine.
      expect(JSON.parse(bad.body).error.code).to.equal('bad_tenant');
      const good = await http.get(`${server.url}/internal/items/acme`);
      expect(good.statusCode).to.equal(200);
      expect(pulled).to.deep.equal(['acme']);
    } finally {
      await server.close();
    }
  });

  it("uses another type's code for that type's routes", async () => {
    const server = await serve(maxRegisterType, []);
    try {
      const bad = await http.get(`${server.url}/internal/${maxRegisterType.name}/${encodeURIComponent('no spaces')}`);
      expect(bad.statusCode).to.equal(400);
      expect(JSON.parse(bad.body).error.code).to.equal('bad_register');
    } finally {
      await server.close();
    }
  });
});
