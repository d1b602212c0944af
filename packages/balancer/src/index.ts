export { createApp, type AppDeps, type BalancerApp } from './app.js';
export { Registry, type RegistryOptions, type Transition } from './registry.js';
export { pickServer, weight } from './rendezvous.js';
export { checkReadyz, HealthChecker, type CheckHealth, type HealthCheckerOptions } from './health-checker.js';
export { assignServer } from './assignment.js';
export { isCounterPath } from './redirect.js';
export { unsafeSecretProblem, isLoopbackHost, DEV_SECRET } from '@tally/core';
