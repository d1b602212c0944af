import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { startServerApp } from './support/app-server.js';

const DASHBOARD = new URL('../../../docs/grafana-dashboard.json', import.meta.url);

describe('createServerMetrics()', () => {
  it('exports every server metric that docs/grafana-dashboard.json queries', async () => {
    const app = await startServerApp();
    try {
      const exposition = await app.metrics.registry.metrics();
      const queried = new Set(readFileSync(DASHBOARD, 'utf8').match(/tally_[a-z0-9_]+/g) ?? []);
      const serverMetrics = [...queried].filter((m) => !m.startsWith('tally_balancer_'));
      expect(serverMetrics.length).to.be.greaterThan(5);
      for (const metric of serverMetrics) {
        const family = metric.replace(/_(bucket|count|sum)$/, '');
        expect(exposition, metric).to.include(`# TYPE ${family} `);
      }
    } finally {
      await app.close();
    }
  });
});
