/**
 * The balancer's Prometheus metrics, registered on the registry the caller passes in (never the
 * global one), so that tests can build many apps in one process.
 */
import { Counter, Gauge, type Registry as MetricsRegistry } from 'prom-client';
import type { Registry } from './registry.js';

export interface BalancerMetrics {
  registrations: Counter<'kind'>;
  assignments: Counter;
  redirects: Counter;
  healthCheckFailures: Counter;
}

export function createMetrics(metrics: MetricsRegistry, registry: Registry): BalancerMetrics {
  const registers = [metrics];
  // Computed at scrape time from the registry itself, so it can never drift from it.
  new Gauge({
    name: 'tally_balancer_servers',
    help: 'Registered counting servers by status',
    labelNames: ['status'] as const,
    registers,
    collect() {
      for (const [status, count] of Object.entries(registry.countByStatus())) this.set({ status }, count);
    },
  });
  return {
    registrations: new Counter({
      name: 'tally_balancer_registrations_total',
      help: 'POST /servers accepted: kind=new for a new member, kind=heartbeat for a refresh',
      labelNames: ['kind'] as const,
      registers,
    }),
    assignments: new Counter({
      name: 'tally_balancer_assignments_total',
      help: 'Servers handed out by GET /assign',
      registers,
    }),
    redirects: new Counter({
      name: 'tally_balancer_redirects_total',
      help: 'Counter requests redirected (307) to an assigned server',
      registers,
    }),
    healthCheckFailures: new Counter({
      name: 'tally_balancer_health_check_failures_total',
      help: 'Failed /readyz checks of registered servers',
      registers,
    }),
  };
}
