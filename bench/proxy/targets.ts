import { PROXY_NODE_FLAGS } from '../../src/cli/node-flags.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, waitForOk } from '../lib/net.js';
import { repoRoot } from '../lib/paths.js';
import type { ProcessGroup, RunningProcess } from '../lib/processes.js';
import { missingToolReason, which } from '../lib/tools.js';
import { haproxyConfig, tsmeshBootstrap } from './configs.js';

export const TARGET_NAMES = ['direct', 'tsmesh', 'tsmesh-retry-od', 'haproxy'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

/** What the load is sent to. */
export interface Target {
  readonly name: TargetName;
  readonly url: string;
  /** The process measured as "the proxy" (CPU, RSS); undefined when hitting the upstream directly. */
  readonly proxy: RunningProcess | undefined;
}

export type StartResult = { readonly ok: true; readonly target: Target } | { readonly ok: false; readonly reason: string };

export interface TargetEnv {
  readonly group: ProcessGroup;
  readonly tmpDir: string;
  readonly upstreamPort: number;
  /** CPU the proxy is pinned to. */
  readonly proxyCpu: number | undefined;
  /** The `tsmesh` entry point, run with this Node: bin/tsmesh.js unless --tsmesh-bin says otherwise. */
  readonly tsmeshBin: string;
  readonly startTimeoutMs: number;
}

export async function startTarget(name: TargetName, env: TargetEnv): Promise<StartResult> {
  switch (name) {
    case 'direct':
      return { ok: true, target: { name, url: `http://127.0.0.1:${env.upstreamPort}/`, proxy: undefined } };
    case 'tsmesh':
      return startTsmesh(env, 1);
    case 'tsmesh-retry-od':
      return startTsmesh(env, 1, 'retry-od');
    case 'haproxy':
      return startHaproxy(env);
  }
}

/**
 * `bin/tsmesh.js proxy --bootstrap FILE` with PROXY_NODE_FLAGS, as the mesh starts its proxies, with `clusters`
 * clusters and routes. It counts as started once a request through it returns 200; with
 * `retry-od`, once its admin also shows the outlier detector and the circuit breakers and its
 * config dump the retry policy, so a variant that silently lost its policies is never measured.
 */
export async function startTsmesh(env: TargetEnv, clusters: number, policies: 'none' | 'retry-od' = 'none'): Promise<StartResult> {
  const ports = { listener: await freePort(), upstream: env.upstreamPort, admin: await freePort() };
  const name: TargetName = policies === 'none' ? 'tsmesh' : 'tsmesh-retry-od';
  const file = join(env.tmpDir, `${name}-${clusters}-clusters.yaml`);
  writeFileSync(file, tsmeshBootstrap(ports, clusters, policies));
  const proxy = env.group.start(name, process.execPath, [...PROXY_NODE_FLAGS, env.tsmeshBin, 'proxy', '--bootstrap', file], {
    cpu: env.proxyCpu,
    cwd: repoRoot,
  });
  const started = await ready({ name, url: `http://127.0.0.1:${ports.listener}/`, proxy }, env, 'proxy');
  if (!started.ok || policies === 'none') return started;
  const missing = await missingPolicies(ports.admin);
  if (missing === undefined) return started;
  await env.group.stop(proxy);
  return { ok: false, reason: `proxy started without its policies: ${missing}` };
}

/** What of the retry-od policies the proxy's admin does not show, or undefined when all are there. */
async function missingPolicies(adminPort: number): Promise<string | undefined> {
  const get = async (path: string): Promise<string> => {
    const r = await fetch(`http://127.0.0.1:${adminPort}${path}`, { signal: AbortSignal.timeout(5000) });
    return r.text();
  };
  try {
    const clusters = await get('/clusters');
    const dump = await get('/config_dump');
    if (!clusters.includes('upstream::outlier::success_rate_average::')) return 'no outlier detector on cluster upstream (/clusters)';
    if (!clusters.includes('upstream::default_priority::max_retries::4294967295')) return 'circuit breaker thresholds not applied (/clusters)';
    if (!dump.includes('envoy.retry_host_predicates.previous_hosts')) return 'no retry policy in /config_dump';
    return undefined;
  } catch (e) {
    return `admin on port ${adminPort}: ${(e as Error).message}`;
  }
}

/** HAProxy from Debian in the foreground (`-db`: no daemon, no master process: one pid to measure). */
async function startHaproxy(env: TargetEnv): Promise<StartResult> {
  if (!which('haproxy')) return { ok: false, reason: missingToolReason('haproxy', 'haproxy') };
  const ports = { listener: await freePort(), upstream: env.upstreamPort };
  const file = join(env.tmpDir, 'haproxy.cfg');
  writeFileSync(file, haproxyConfig(ports));
  const proxy = env.group.start('haproxy', 'haproxy', ['-db', '-f', file], { cpu: env.proxyCpu });
  return ready({ name: 'haproxy', url: `http://127.0.0.1:${ports.listener}/`, proxy }, env, 'haproxy');
}

async function ready(target: Target, env: TargetEnv, what: string): Promise<StartResult> {
  try {
    await waitForOk(target.url, target.proxy!, env.startTimeoutMs);
    return { ok: true, target };
  } catch (e) {
    await env.group.stop(target.proxy!);
    return { ok: false, reason: `${what} failed to start: ${(e as Error).message}` };
  }
}

export async function stopTarget(target: Target, env: TargetEnv): Promise<void> {
  if (target.proxy) await env.group.stop(target.proxy);
}
