import { expect } from 'chai';
import { Registry as MetricsRegistry } from 'prom-client';
import { createMetrics } from '../src/metrics.js';
import { Registry } from '../src/registry.js';

describe('createMetrics()', () => {
  it('reports the servers by status as the registry holds them at scrape time', async () => {
    const registry = new Registry({ suspectAfter: 1, removeAfter: 5, now: () => 1000 });
    const prom = new MetricsRegistry();
    createMetrics(prom, registry);
    registry.register('s1', 'http://127.0.0.1:7001');
    registry.register('s2', 'http://127.0.0.1:7002');
    registry.recordCheck('s2', false);
    const text = await prom.metrics();
    expect(text).to.include('tally_balancer_servers{status="ready"} 1');
    expect(text).to.include('tally_balancer_servers{status="suspect"} 1');
  });

  it("registers on the caller's registry only, so two apps can share a process", async () => {
    const [first, second] = [new MetricsRegistry(), new MetricsRegistry()];
    const registry = new Registry({ suspectAfter: 1, removeAfter: 5, now: () => 1000 });
    const metrics = createMetrics(first, registry);
    createMetrics(second, registry);
    metrics.redirects.inc();
    metrics.registrations.inc({ kind: 'new' });
    expect(await first.metrics()).to.include('tally_balancer_redirects_total 1').and.include('tally_balancer_registrations_total{kind="new"} 1');
    expect(await second.metrics()).to.include('tally_balancer_redirects_total 0');
  });
});
