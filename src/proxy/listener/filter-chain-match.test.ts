import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ProxyConfigError } from '../config/config-error.js';
import { compileFilterChainSelector } from './filter-chain-match.js';
import type { ConnectionFacts, FilterChainSelection } from './filter-chain-match.js';

const base: ConnectionFacts = {
  destinationIp: '10.0.0.1', destinationPort: 8080, sourceIp: '192.168.1.5', sourcePort: 40000,
  directSourceIp: '192.168.1.5', serverName: '', transportProtocol: '', applicationProtocols: [],
};

type Match = Record<string, unknown>;
const listener = (matches: (Match | undefined)[], withDefault = false): Record<string, unknown> => ({
  filter_chains: matches.map((m, i) => ({ name: `c${i}`, ...(m ? { filter_chain_match: m } : {}), filters: [] })),
  ...(withDefault ? { default_filter_chain: { filters: [] } } : {}),
});

interface Case {
  name: string;
  chains: (Match | undefined)[];
  withDefault?: boolean;
  facts: Partial<ConnectionFacts>;
  want: FilterChainSelection;
}

const cases: Case[] = [
  // 1. destination_port
  { name: 'port: exact port wins over no port', chains: [{}, { destination_port: 8080 }], facts: {}, want: 1 },
  { name: 'port: falls back to chains without a port', chains: [{ destination_port: 9090 }, {}], facts: {}, want: 1 },
  { name: 'port: wrong port never matches', chains: [{ destination_port: 9090 }], facts: {}, want: null },
  { name: 'port: wrapper form {value}', chains: [{ destination_port: { value: 8080 } }], facts: {}, want: 0 },
  { name: 'port: no backtracking once the port picked a chain', chains: [{ destination_port: 8080, server_names: ['a.com'] }, { server_names: ['b.com'] }], facts: { serverName: 'b.com' }, want: null },
  // 2. destination IP
  { name: 'dst ip: longest prefix wins', chains: [{ prefix_ranges: [{ address_prefix: '10.0.0.0', prefix_len: 8 }] }, { prefix_ranges: [{ address_prefix: '10.0.0.0', prefix_len: 24 }] }], facts: {}, want: 1 },
  { name: 'dst ip: explicit range beats none', chains: [{}, { prefix_ranges: [{ address_prefix: '10.0.0.0', prefix_len: 8 }] }], facts: {}, want: 1 },
  { name: 'dst ip: non-matching range loses to none', chains: [{ prefix_ranges: [{ address_prefix: '172.16.0.0', prefix_len: 12 }] }, {}], facts: {}, want: 1 },
  { name: 'dst ip: host bits in the prefix are ignored', chains: [{ prefix_ranges: [{ address_prefix: '10.0.0.77', prefix_len: 24 }] }], facts: {}, want: 0 },
  { name: 'dst ip: IPv4-mapped address matches an IPv4 range', chains: [{ prefix_ranges: [{ address_prefix: '10.0.0.1', prefix_len: 32 }] }], facts: { destinationIp: '::ffff:10.0.0.1' }, want: 0 },
  { name: 'dst ip: IPv6 range', chains: [{ prefix_ranges: [{ address_prefix: 'fd00::', prefix_len: 8 }] }, {}], facts: { destinationIp: 'fd00::1' }, want: 0 },
  { name: 'dst ip: IPv4 range does not match IPv6', chains: [{ prefix_ranges: [{ address_prefix: '0.0.0.0', prefix_len: 0 }] }], facts: { destinationIp: '::1' }, want: null },
  // 3. server_names
  { name: 'sni: exact beats wildcard', chains: [{ server_names: ['*.example.com'] }, { server_names: ['www.example.com'] }], facts: { serverName: 'www.example.com' }, want: 1 },
  { name: 'sni: longer wildcard beats shorter', chains: [{ server_names: ['*.com'] }, { server_names: ['*.example.com'] }], facts: { serverName: 'www.example.com' }, want: 1 },
  { name: 'sni: wildcard beats none', chains: [{}, { server_names: ['*.com'] }], facts: { serverName: 'a.b.com' }, want: 1 },
  { name: 'sni: wildcard spans several labels', chains: [{ server_names: ['*.example.com'] }], facts: { serverName: 'a.b.example.com' }, want: 0 },
  { name: 'sni: wildcard does not match the bare domain', chains: [{ server_names: ['*.example.com'] }, {}], facts: { serverName: 'example.com' }, want: 1 },
  { name: 'sni: case-insensitive', chains: [{ server_names: ['WWW.Example.com'] }], facts: { serverName: 'www.EXAMPLE.com' }, want: 0 },
  { name: 'sni: no SNI only matches chains without server_names', chains: [{ server_names: ['a.com'] }], facts: {}, want: null },
  { name: 'sni: no match and no catch-all uses default', chains: [{ server_names: ['a.com'] }], withDefault: true, facts: { serverName: 'b.com' }, want: 'default' },
  // 4. transport_protocol
  { name: 'transport: tls chain for tls', chains: [{ transport_protocol: 'raw_buffer' }, { transport_protocol: 'tls' }], facts: { transportProtocol: 'tls' }, want: 1 },
  { name: 'transport: empty means raw_buffer', chains: [{ transport_protocol: 'tls' }, { transport_protocol: 'raw_buffer' }], facts: {}, want: 1 },
  { name: 'transport: specific beats any', chains: [{}, { transport_protocol: 'tls' }], facts: { transportProtocol: 'tls' }, want: 1 },
  // 5. application_protocols
  { name: 'alpn: first client protocol that any chain lists wins', chains: [{ application_protocols: ['http/1.1'] }, { application_protocols: ['h2'] }], facts: { applicationProtocols: ['h2', 'http/1.1'] }, want: 1 },
  { name: 'alpn: client order, not chain order', chains: [{ application_protocols: ['h2'] }, { application_protocols: ['http/1.1'] }], facts: { applicationProtocols: ['http/1.1', 'h2'] }, want: 1 },
  { name: 'alpn: falls back to chain without protocols', chains: [{ application_protocols: ['h2'] }, {}], facts: { applicationProtocols: ['http/1.1'] }, want: 1 },
  { name: 'alpn: istio inbound style (h2c from http_inspector)', chains: [{ application_protocols: ['http/1.0', 'http/1.1', 'h2c'] }, {}], facts: { applicationProtocols: ['h2c'] }, want: 0 },
  // 6. direct_source_prefix_ranges
  { name: 'direct source: longest prefix', chains: [{ direct_source_prefix_ranges: [{ address_prefix: '192.168.0.0', prefix_len: 16 }] }, {}], facts: { sourceIp: '1.1.1.1' }, want: 0 },
  // 7. source_type
  { name: 'source type: loopback is SAME_IP_OR_LOOPBACK', chains: [{ source_type: 'SAME_IP_OR_LOOPBACK' }, {}], facts: { sourceIp: '127.0.0.5' }, want: 0 },
  { name: 'source type: same IP as destination is local', chains: [{ source_type: 'EXTERNAL' }, { source_type: 'SAME_IP_OR_LOOPBACK' }], facts: { sourceIp: '10.0.0.1' }, want: 1 },
  { name: 'source type: other IP is EXTERNAL', chains: [{ source_type: 'EXTERNAL' }, { source_type: 'SAME_IP_OR_LOOPBACK' }], facts: {}, want: 0 },
  { name: 'source type: IPv6 loopback, enum by number', chains: [{ source_type: 1 }], facts: { sourceIp: '::1', destinationIp: '::1' }, want: 0 },
  { name: 'source type: ANY when nothing specific', chains: [{ source_type: 'EXTERNAL' }, {}], facts: { sourceIp: '127.0.0.1' }, want: 1 },
  // 8. source_prefix_ranges
  { name: 'source ip: longest prefix', chains: [{ source_prefix_ranges: [{ address_prefix: '192.168.0.0', prefix_len: 16 }] }, { source_prefix_ranges: [{ address_prefix: '192.168.1.0', prefix_len: 24 }] }], facts: {}, want: 1 },
  // 9. source_ports
  { name: 'source port: exact beats any', chains: [{}, { source_ports: [40000] }], facts: {}, want: 1 },
  { name: 'source port: mismatch falls back', chains: [{ source_ports: [1] }, {}], facts: {}, want: 1 },
  // precedence across criteria
  { name: 'precedence: port is decided before SNI', chains: [{ server_names: ['a.com'] }, { destination_port: 8080 }], facts: { serverName: 'a.com' }, want: 1 },
  { name: 'precedence: dst ip before SNI', chains: [{ server_names: ['a.com'] }, { prefix_ranges: [{ address_prefix: '10.0.0.0', prefix_len: 8 }] }], facts: { serverName: 'a.com' }, want: 1 },
  { name: 'precedence: SNI before transport', chains: [{ transport_protocol: 'tls' }, { server_names: ['a.com'] }], facts: { serverName: 'a.com', transportProtocol: 'tls' }, want: 1 },
  { name: 'precedence: transport before alpn', chains: [{ application_protocols: ['h2'] }, { transport_protocol: 'tls' }], facts: { transportProtocol: 'tls', applicationProtocols: ['h2'] }, want: 1 },
  { name: 'precedence: source type before source ip', chains: [{ source_prefix_ranges: [{ address_prefix: '127.0.0.1', prefix_len: 32 }] }, { source_type: 'SAME_IP_OR_LOOPBACK' }], facts: { sourceIp: '127.0.0.1' }, want: 1 },
  { name: 'default chain when nothing matches', chains: [{ destination_port: 1 }], withDefault: true, facts: {}, want: 'default' },
  { name: 'only a default chain', chains: [], withDefault: true, facts: {}, want: 'default' },
  { name: 'chain without filter_chain_match matches everything', chains: [undefined], facts: { serverName: 'x', transportProtocol: 'tls' }, want: 0 },
];

describe('filter chain selection', () => {
  for (const c of cases) {
    test(c.name, () => {
      const selector = compileFilterChainSelector(listener(c.chains, c.withDefault));
      assert.equal(selector.select({ ...base, ...c.facts }), c.want);
    });
  }

  test('camelCase field names are accepted', () => {
    const s = compileFilterChainSelector({ filterChains: [{ filterChainMatch: { serverNames: ['a.com'], destinationPort: 8080 } }] });
    assert.equal(s.select({ ...base, serverName: 'a.com' }), 0);
  });

  test('matchesOn reports the inspector facts chains use', () => {
    const s = compileFilterChainSelector(listener([{ server_names: ['a.com'] }, { application_protocols: ['h2c'] }]));
    assert.deepEqual({ ...s.matchesOn }, { serverNames: true, transportProtocol: false, applicationProtocols: true });
  });
});

interface BadCase {
  name: string;
  listener: Record<string, unknown>;
  path: string;
  reason: RegExp;
}

const bad: BadCase[] = [
  { name: 'identical matches', listener: listener([{ server_names: ['a.com'] }, { server_names: ['a.com'] }]), path: 'filter_chains[1].filter_chain_match', reason: /filter chain 'c1' has the same matching rules defined as 'c0'/ },
  { name: 'two chains without match', listener: listener([undefined, undefined]), path: 'filter_chains[1].filter_chain_match', reason: /same matching rules/ },
  { name: 'overlapping server names', listener: listener([{ server_names: ['a.com', 'b.com'] }, { server_names: ['b.com'] }]), path: 'filter_chains[1].filter_chain_match', reason: /overlapping matching rules/ },
  { name: 'explicit 0.0.0.0/0 overlaps no ranges', listener: listener([{ prefix_ranges: [{ address_prefix: '0.0.0.0', prefix_len: 0 }] }, {}]), path: 'filter_chains[1].filter_chain_match', reason: /overlapping/ },
  { name: 'partial wildcard', listener: listener([{ server_names: ['*w.example.com'] }]), path: 'filter_chains[0].filter_chain_match.server_names[0]', reason: /partial wildcards/ },
  { name: 'bare *', listener: listener([{ server_names: ['*'] }]), path: 'filter_chains[0].filter_chain_match.server_names[0]', reason: /partial wildcards/ },
  { name: 'bad address', listener: listener([{ prefix_ranges: [{ address_prefix: '10.0.0', prefix_len: 8 }] }]), path: 'filter_chains[0].filter_chain_match.prefix_ranges[0].address_prefix', reason: /malformed IP/ },
  { name: 'prefix too long', listener: listener([{ source_prefix_ranges: [{ address_prefix: '10.0.0.0', prefix_len: 33 }] }]), path: 'filter_chains[0].filter_chain_match.source_prefix_ranges[0].prefix_len', reason: /exceeds 32/ },
  { name: 'port out of range', listener: listener([{ destination_port: 70000 }]), path: 'filter_chains[0].filter_chain_match.destination_port', reason: /out of range/ },
  { name: 'address_suffix', listener: listener([{ address_suffix: 'x' }]), path: 'filter_chains[0].filter_chain_match.address_suffix', reason: /unimplemented/ },
  { name: 'unknown field', listener: listener([{ sni: 'x' }]), path: 'filter_chains[0].filter_chain_match.sni', reason: /not supported/ },
  { name: 'bad source_type', listener: listener([{ source_type: 'LOCAL' }]), path: 'filter_chains[0].filter_chain_match.source_type', reason: /unknown value/ },
  { name: 'no chains at all', listener: {}, path: 'filter_chains', reason: /no filter chains/ },
  { name: 'filter_chain_matcher', listener: { filter_chain_matcher: {}, filter_chains: [{}] }, path: 'filter_chain_matcher', reason: /not supported/ },
];

describe('filter chain match errors', () => {
  for (const c of bad) {
    test(c.name, () => {
      assert.throws(() => compileFilterChainSelector(c.listener), (err: unknown) => {
        assert.ok(err instanceof ProxyConfigError, String(err));
        assert.equal(err.path, c.path);
        assert.match(err.reason, c.reason);
        return true;
      });
    });
  }
});
