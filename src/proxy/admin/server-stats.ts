/**
 * @module Envoy's `server.*` gauges (live, state, uptime, memory, concurrency …), which
 * dashboards and alerts scrape as envoy_server_live / envoy_server_uptime. Envoy refreshes them
 * on every stats flush; tsmesh refreshes them from the AdminSource whenever /stats is read, so a
 * scrape always sees current values.
 */
import type { AdminSource, ServerState } from './admin-source.js';

/** ServerInfo.State numbers, which `server.state` reports. */
const STATE_NUMBER: Record<ServerState, number> = { LIVE: 0, DRAINING: 1, PRE_INITIALIZING: 2, INITIALIZING: 3 };

export function refreshServerStats(source: AdminSource): void {
  const store = source.stats;
  const state = source.state();
  const m = process.memoryUsage();
  store.gauge('server.live', 'NeverImport').set(state === 'LIVE' ? 1 : 0);
  store.gauge('server.state', 'NeverImport').set(STATE_NUMBER[state]);
  store.gauge('server.uptime').set(Math.max(0, Math.floor(source.uptimeSeconds())));
  // One event loop serves everything.
  store.gauge('server.concurrency', 'NeverImport').set(1);
  store.gauge('server.hot_restart_epoch', 'NeverImport').set(0);
  store.gauge('server.memory_allocated').set(m.heapUsed);
  store.gauge('server.memory_heap_size').set(m.heapTotal);
  store.gauge('server.memory_physical_size').set(m.rss);
}
