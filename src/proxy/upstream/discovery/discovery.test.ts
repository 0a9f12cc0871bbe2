import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileCluster } from '../cluster-config.js';
import type { HostsChange } from '../priority-set.js';
import type { EdsDiscovery } from './assignment-discovery.js';
import { createDiscovery } from './create-discovery.js';
import { applyLookupFamily, systemResolver } from './dns-resolver.js';
import type { DnsAddress, DnsResolver } from './dns-resolver.js';
import type { HostDiscovery, Timers } from './host-discovery.js';
import type { OriginalDstDiscovery } from './original-dst.js';
import { parseHostPort } from './original-dst.js';
import { parseLoadAssignment } from '../load-assignment.js';

/** A virtual clock: timers fire only when the test advances time. */
class FakeTimers implements Timers {
  now = 0;
  #timers = new Map<number, { at: number; fn: () => void }>();
  #id = 0;
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.#id;
    this.#timers.set(id, { at: this.now + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }
  get pending(): number[] {
    return [...this.#timers.values()].map((t) => t.at - this.now).sort((a, b) => a - b);
  }
  async advance(ms: number): Promise<void> {
    const end = this.now + ms;
    for (let guard = 0; guard < 1000; guard++) {
      const due = [...this.#timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.#timers.delete(due[0]);
      this.now = due[1].at;
      due[1].fn();
      await flush();
    }
    this.now = end;
  }
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Answers from a table the test edits; a name missing from it fails like NXDOMAIN. */
class FakeResolver implements DnsResolver {
  answers = new Map<string, DnsAddress[]>();
  calls: string[] = [];
  async resolve(hostname: string): Promise<DnsAddress[]> {
    this.calls.push(hostname);
    const a = this.answers.get(hostname);
    if (!a) throw new Error(`ENOTFOUND ${hostname}`);
    return a;
  }
}

const endpoint = (address: string, port: number, extra: Record<string, unknown> = {}) => ({
  lb_endpoints: [{ endpoint: { address: { socket_address: { address, port_value: port } } } }],
  ...extra,
});

function setup(cluster: Record<string, unknown>) {
  const timers = new FakeTimers();
  const resolver = new FakeResolver();
  const discovery = createDiscovery(compileCluster({ name: 'c', ...cluster }), { resolver, timers });
  const changes: HostsChange[] = [];
  discovery.onUpdate = (c) => changes.push(c);
  let warm = false;
  void discovery.initialized.then(() => (warm = true));
  return { timers, resolver, discovery, changes, isWarm: async () => (await flush(), warm) };
}

const addresses = (d: HostDiscovery): string[] => d.prioritySet.hosts.map((h) => `${h.address}:${h.port}`);

describe('STATIC and EDS', () => {
  test('STATIC is warm on start with its inline hosts', async () => {
    const { discovery, changes, isWarm } = setup({ load_assignment: { endpoints: [endpoint('10.0.0.1', 80)] } });
    assert.equal(await isWarm(), false);
    discovery.start();
    assert.equal(await isWarm(), true);
    assert.deepEqual(addresses(discovery), ['10.0.0.1:80']);
    assert.equal(changes[0]!.added.length, 1);
    discovery.stop();
  });

  test('a new discovery given the old PrioritySet keeps its hosts (CDS update of the cluster)', () => {
    const first = setup({ load_assignment: { endpoints: [endpoint('10.0.0.1', 80)] } }).discovery;
    first.start();
    first.prioritySet.hosts[0]!.rqTotal = 5;
    const config = compileCluster({ name: 'c', connect_timeout: '2s', load_assignment: { endpoints: [endpoint('10.0.0.1', 80), endpoint('10.0.0.2', 80)] } });
    const second = createDiscovery(config, { prioritySet: first.prioritySet });
    second.start();
    assert.deepEqual(second.prioritySet.hosts.map((h) => h.rqTotal), [5, 0]);
    const od = createDiscovery(compileCluster({ name: 'o', type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED' }), { timers: new FakeTimers() }) as OriginalDstDiscovery;
    const host = od.chooseHost(null, '10.3.0.1', 80);
    const od2 = createDiscovery(compileCluster({ name: 'o', type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED' }), { timers: new FakeTimers(), prioritySet: od.prioritySet }) as OriginalDstDiscovery;
    assert.equal(od2.chooseHost(null, '10.3.0.1', 80), host);
  });

  test('EDS is warm after its first assignment, and keeps hosts across updates', async () => {
    const { discovery, changes, isWarm } = setup({ type: 'EDS', eds_cluster_config: { eds_config: { ads: {} }, service_name: 'svc' } });
    const eds = discovery as EdsDiscovery;
    eds.start();
    assert.equal(eds.serviceName, 'svc');
    assert.equal(await isWarm(), false);
    const la = (ips: string[]) => parseLoadAssignment({ endpoints: ips.map((ip) => endpoint(ip, 80)) }, '', { requireIp: true });
    eds.update(la(['10.0.0.1', '10.0.0.2']));
    assert.equal(await isWarm(), true);
    const kept = eds.prioritySet.hosts[1]!;
    eds.update(la(['10.0.0.2', '10.0.0.3']));
    assert.equal(eds.prioritySet.hosts[0], kept);
    assert.deepEqual([changes[1]!.added.map((h) => h.address), changes[1]!.removed.map((h) => h.address)], [['10.0.0.3'], ['10.0.0.1']]);
  });
});

describe('STRICT_DNS', () => {
  const cluster = {
    type: 'STRICT_DNS',
    dns_refresh_rate: '5s',
    load_assignment: { endpoints: [endpoint('a.test', 80, { priority: 0 }), endpoint('b.test', 81)] },
  };

  test('every resolved address becomes a host; warm after every name was tried', async () => {
    const { discovery, resolver, isWarm } = setup(cluster);
    resolver.answers.set('a.test', [{ address: '10.0.0.1' }, { address: '10.0.0.2' }]);
    resolver.answers.set('b.test', [{ address: '10.0.1.1' }]);
    discovery.start();
    assert.equal(await isWarm(), true);
    assert.deepEqual(addresses(discovery), ['10.0.0.1:80', '10.0.0.2:80', '10.0.1.1:81']);
    assert.equal(discovery.prioritySet.hosts[0]!.hostname, 'a.test');
    discovery.stop();
  });

  test('re-resolves every dns_refresh_rate, keeping unchanged hosts; stop clears the timers', async () => {
    const { discovery, resolver, timers, changes } = setup(cluster);
    resolver.answers.set('a.test', [{ address: '10.0.0.1' }, { address: '10.0.0.2' }]);
    resolver.answers.set('b.test', [{ address: '10.0.1.1' }]);
    discovery.start();
    await flush();
    assert.deepEqual(timers.pending, [5000, 5000]);
    const kept = discovery.prioritySet.hosts[1]!;
    resolver.answers.set('a.test', [{ address: '10.0.0.2' }, { address: '10.0.0.3' }]);
    await timers.advance(4999);
    assert.equal(resolver.calls.length, 2);
    await timers.advance(1);
    assert.equal(resolver.calls.length, 4);
    assert.deepEqual(addresses(discovery), ['10.0.0.2:80', '10.0.0.3:80', '10.0.1.1:81']);
    assert.equal(discovery.prioritySet.hosts[0], kept);
    const last = changes.at(-1)!;
    assert.deepEqual([last.added.map((h) => h.address), last.removed.map((h) => h.address)], [['10.0.0.3'], ['10.0.0.1']]);
    // An unchanged answer publishes nothing.
    const count = changes.length;
    await timers.advance(5000);
    assert.equal(changes.length, count);
    discovery.stop();
    assert.deepEqual(timers.pending, []);
  });

  test('a failed resolution keeps the last hosts and retries at dns_failure_refresh_rate', async () => {
    const { discovery, resolver, timers, isWarm } = setup({ ...cluster, dns_failure_refresh_rate: { base_interval: '1s' } });
    resolver.answers.set('a.test', [{ address: '10.0.0.1' }]);
    discovery.start(); // b.test fails
    assert.equal(await isWarm(), true);
    assert.deepEqual(addresses(discovery), ['10.0.0.1:80']);
    assert.deepEqual(timers.pending, [1000, 5000]);
    resolver.answers.delete('a.test');
    await timers.advance(5000);
    assert.deepEqual(addresses(discovery), ['10.0.0.1:80']);
    discovery.stop();
  });

  test('answers arriving after stop() are dropped', async () => {
    const { discovery, resolver, timers, changes } = setup(cluster);
    resolver.answers.set('a.test', [{ address: '10.0.0.1' }]);
    resolver.answers.set('b.test', [{ address: '10.0.1.1' }]);
    discovery.start();
    discovery.stop();
    await flush();
    assert.deepEqual([addresses(discovery), changes.length, timers.pending], [[], 0, []]);
  });

  test('respect_dns_ttl refreshes after the shortest TTL', async () => {
    const { discovery, resolver, timers } = setup({ ...cluster, respect_dns_ttl: true, load_assignment: { endpoints: [endpoint('a.test', 80)] } });
    resolver.answers.set('a.test', [{ address: '10.0.0.1', ttl: 30 }, { address: '10.0.0.2', ttl: 12 }]);
    discovery.start();
    await flush();
    assert.deepEqual(timers.pending, [12000]);
    discovery.stop();
  });
});

describe('LOGICAL_DNS', () => {
  test('one host at the first address; a new first address replaces it', async () => {
    const { discovery, resolver, timers, changes, isWarm } = setup({ type: 'LOGICAL_DNS', load_assignment: { endpoints: [endpoint('api.test', 443)] } });
    resolver.answers.set('api.test', [{ address: '10.0.0.1' }, { address: '10.0.0.2' }]);
    discovery.start();
    assert.equal(await isWarm(), true);
    assert.deepEqual(addresses(discovery), ['10.0.0.1:443']);
    resolver.answers.set('api.test', [{ address: '10.0.0.1' }, { address: '10.0.0.9' }]);
    await timers.advance(5000);
    assert.equal(changes.length, 1, 'same first address: no change');
    resolver.answers.set('api.test', [{ address: '10.0.0.9' }]);
    await timers.advance(5000);
    assert.deepEqual(addresses(discovery), ['10.0.0.9:443']);
    assert.equal(discovery.prioritySet.hosts[0]!.hostname, 'api.test');
    discovery.stop();
    assert.deepEqual(timers.pending, []);
  });
});

describe('ORIGINAL_DST', () => {
  const cluster = { type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED', cleanup_interval: '5s' };

  test('hosts are made on demand, reused, and cleaned up when idle', async () => {
    const { discovery, timers, changes, isWarm } = setup(cluster);
    const od = discovery as OriginalDstDiscovery;
    od.start();
    assert.equal(await isWarm(), true);
    const a = od.chooseHost(null, '10.1.0.1', 8080)!;
    assert.equal(od.chooseHost(null, '10.1.0.1', 8080), a);
    const b = od.chooseHost(null, '10.1.0.2', 8080)!;
    assert.deepEqual(addresses(od), ['10.1.0.1:8080', '10.1.0.2:8080']);
    assert.equal(changes.length, 2);
    await timers.advance(5000); // first sweep: both were used, now marked unused
    od.chooseHost(null, '10.1.0.1', 8080);
    b.activeRequests = 1; // busy hosts stay
    await timers.advance(5000);
    assert.deepEqual(addresses(od), ['10.1.0.1:8080', '10.1.0.2:8080']);
    b.activeRequests = 0;
    await timers.advance(10000);
    assert.deepEqual(addresses(od), []);
    assert.deepEqual(changes.at(-1)!.removed.map((h) => h.address), ['10.1.0.1', '10.1.0.2']);
    assert.equal(od.chooseHost(null, null, 0), null);
    od.stop();
    assert.deepEqual(timers.pending, []);
  });

  test('the x-envoy-original-dst-host header wins when use_http_header is set; invalid falls back', () => {
    const { discovery } = setup({ ...cluster, original_dst_lb_config: { use_http_header: true } });
    const od = discovery as OriginalDstDiscovery;
    assert.equal(od.headerName, 'x-envoy-original-dst-host');
    assert.equal(od.chooseHost('10.2.0.1:9090', '10.1.0.1', 80)!.key, '10.2.0.1:9090');
    assert.equal(od.chooseHost('[::1]:9090', '10.1.0.1', 80)!.key, '[::1]:9090');
    assert.equal(od.chooseHost('not-an-ip:80', '10.1.0.1', 80)!.key, '10.1.0.1:80');
    const off = setup(cluster).discovery as OriginalDstDiscovery;
    assert.equal(off.headerName, null);
    assert.equal(off.chooseHost('10.2.0.1:9090', '10.1.0.1', 80)!.key, '10.1.0.1:80');
  });

  test('upstream_port_override replaces the port', () => {
    const od = setup({ ...cluster, original_dst_lb_config: { upstream_port_override: 7000 } }).discovery as OriginalDstDiscovery;
    assert.equal(od.chooseHost(null, '10.1.0.1', 80)!.key, '10.1.0.1:7000');
  });

  test('parseHostPort', () => {
    const cases: [string, unknown][] = [
      ['1.2.3.4:80', { address: '1.2.3.4', port: 80 }],
      ['[2001:db8::1]:443', { address: '2001:db8::1', port: 443 }],
      ['2001:db8::1:443', null],
      ['host:80', null],
      ['1.2.3.4', null],
      ['1.2.3.4:99999', null],
    ];
    for (const [input, want] of cases) assert.deepEqual(parseHostPort(input), want, input);
  });
});

describe('applyLookupFamily', () => {
  const both = [{ address: '::1' }, { address: '127.0.0.1' }, { address: '::2' }];
  const cases: [Parameters<typeof applyLookupFamily>[1], string[]][] = [
    ['V4_ONLY', ['127.0.0.1']],
    ['V6_ONLY', ['::1', '::2']],
    ['AUTO', ['::1', '::2']],
    ['V4_PREFERRED', ['127.0.0.1']],
    ['ALL', ['127.0.0.1', '::1', '::2']],
  ];
  for (const [family, want] of cases) {
    test(family, () => assert.deepEqual(applyLookupFamily(both, family).map((a) => a.address), want));
  }
  test('AUTO falls back to IPv4, V4_PREFERRED to IPv6', () => {
    assert.deepEqual(applyLookupFamily([{ address: '10.0.0.1' }], 'AUTO').map((a) => a.address), ['10.0.0.1']);
    assert.deepEqual(applyLookupFamily([{ address: '::1' }], 'V4_PREFERRED').map((a) => a.address), ['::1']);
  });
});

test('systemResolver resolves literals and localhost without the network', async () => {
  assert.deepEqual(await systemResolver.resolve('127.0.0.1', 'AUTO'), [{ address: '127.0.0.1' }]);
  const local = await systemResolver.resolve('localhost', 'V4_ONLY');
  assert.ok(local.every((a) => !a.address.includes(':')));
});

after(() => {
  // Discovery under test runs on the fake clock only: no real timer may be left behind.
  assert.deepEqual(process.getActiveResourcesInfo().filter((r) => r === 'Timeout'), []);
});
