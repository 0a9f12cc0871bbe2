import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SIDECAR_INJECTOR_DEFAULTS, istioIptablesRules } from './istio-iptables.js';
import type { CaptureOptions } from './istio-iptables.js';

// The iptables-restore sections of Istio's golden files
// (tools/istio-iptables/pkg/capture/testdata/<name>.golden), for the options each case sets over
// ConstructTestConfig (ports 15001/15006/15008, uid and gid 1337).
const HEAD = `* nat
-N ISTIO_INBOUND
-N ISTIO_REDIRECT
-N ISTIO_IN_REDIRECT
-N ISTIO_OUTPUT
-A ISTIO_INBOUND -p tcp --dport 15008 -j RETURN
-A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports 15001
-A ISTIO_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006
`;
const OWNER = `-A ISTIO_OUTPUT -o lo -s 127.0.0.6/32 -j RETURN
-A ISTIO_OUTPUT -o lo ! -d 127.0.0.1/32 -p tcp ! --dport 15008 -m owner --uid-owner 1337 -j ISTIO_IN_REDIRECT
-A ISTIO_OUTPUT -o lo -m owner ! --uid-owner 1337 -j RETURN
-A ISTIO_OUTPUT -m owner --uid-owner 1337 -j RETURN
-A ISTIO_OUTPUT -o lo ! -d 127.0.0.1/32 -p tcp ! --dport 15008 -m owner --gid-owner 1337 -j ISTIO_IN_REDIRECT
-A ISTIO_OUTPUT -o lo -m owner ! --gid-owner 1337 -j RETURN
-A ISTIO_OUTPUT -m owner --gid-owner 1337 -j RETURN
-A ISTIO_OUTPUT -d 127.0.0.1/32 -j RETURN
`;

const GOLDEN: { name: string; options: CaptureOptions; want: string }[] = [
  {
    name: 'inbound-ports-wildcard',
    options: { inboundPortsInclude: '*' },
    want: `${HEAD}-A PREROUTING -p tcp -j ISTIO_INBOUND
-A ISTIO_INBOUND -p tcp -j ISTIO_IN_REDIRECT
-A OUTPUT -j ISTIO_OUTPUT
${OWNER}COMMIT
`,
  },
  {
    name: 'inbound-wildcard-exclude',
    options: { inboundPortsInclude: '*', inboundPortsExclude: [22, 80, 443] },
    want: `${HEAD}-A PREROUTING -p tcp -j ISTIO_INBOUND
-A ISTIO_INBOUND -p tcp -m multiport --dports 22,80,443 -j RETURN
-A ISTIO_INBOUND -p tcp -j ISTIO_IN_REDIRECT
-A OUTPUT -j ISTIO_OUTPUT
${OWNER}COMMIT
`,
  },
  {
    name: 'outbound-ports-exclude',
    options: { outboundPortsExclude: [22, 80, 443] },
    want: `${HEAD}-A OUTPUT -j ISTIO_OUTPUT
-A ISTIO_OUTPUT -p tcp -m multiport --dports 22,80,443 -j RETURN
-A ISTIO_OUTPUT -p udp -m multiport --dports 22,80,443 -j RETURN
${OWNER}COMMIT
`,
  },
  {
    name: 'outbound-ports-exclude-single',
    options: { outboundPortsExclude: [22] },
    want: `${HEAD}-A OUTPUT -j ISTIO_OUTPUT
-A ISTIO_OUTPUT -p tcp --dport 22 -j RETURN
-A ISTIO_OUTPUT -p udp --dport 22 -j RETURN
${OWNER}COMMIT
`,
  },
  {
    // kube-virt-interfaces.golden (OutboundIPRangesInclude "*") without its PREROUTING -i eth1/eth2
    // rules: tsmesh pods have no KubeVirt interfaces.
    name: 'kube-virt-interfaces, outbound "*"',
    options: { outboundIpRangesInclude: '*' },
    want: `${HEAD}-A OUTPUT -j ISTIO_OUTPUT
${OWNER}-A ISTIO_OUTPUT -j ISTIO_REDIRECT
COMMIT
`,
  },
];

describe("istioIptablesRules matches istio-iptables' golden files", () => {
  for (const g of GOLDEN) {
    test(g.name, () => {
      assert.equal(istioIptablesRules(g.options), g.want);
    });
  }
});

describe('istioIptablesRules options', () => {
  test('sidecar injector defaults (-i * -b * -d 15090,15021,15020): what every tsmesh pod gets', () => {
    assert.equal(
      istioIptablesRules(SIDECAR_INJECTOR_DEFAULTS),
      `${HEAD}-A PREROUTING -p tcp -j ISTIO_INBOUND
-A ISTIO_INBOUND -p tcp -m multiport --dports 15090,15021,15020 -j RETURN
-A ISTIO_INBOUND -p tcp -j ISTIO_IN_REDIRECT
-A OUTPUT -j ISTIO_OUTPUT
${OWNER}-A ISTIO_OUTPUT -j ISTIO_REDIRECT
COMMIT
`,
    );
  });

  test('inbound port list, outbound ranges include/exclude (IPv6 ranges left to ip6tables), other uid/gid', () => {
    const rules = istioIptablesRules({
      inboundPortsInclude: [32000, 31000],
      outboundIpRangesInclude: ['10.0.0.0/8', '10.96.5.7/12', '2001:db8::/32'],
      outboundIpRangesExclude: ['1.1.7.7/16'],
      proxyUids: [3],
      proxyGids: [1, 2],
    });
    const lines = rules.trim().split('\n');
    assert.ok(lines.includes('-A ISTIO_INBOUND -p tcp --dport 32000 -j ISTIO_IN_REDIRECT'));
    assert.ok(lines.includes('-A ISTIO_INBOUND -p tcp --dport 31000 -j ISTIO_IN_REDIRECT'));
    assert.ok(!lines.some((l) => l.includes('--uid-owner 1337') || l.includes('--gid-owner 1337')));
    assert.equal(lines.filter((l) => / --uid-owner 3 /.test(l)).length, 3);
    assert.equal(lines.filter((l) => / --gid-owner [12] /.test(l)).length, 6);
    assert.deepEqual(lines.slice(-6), [
      '-A ISTIO_OUTPUT -d 127.0.0.1/32 -j RETURN',
      '-A ISTIO_OUTPUT -d 1.1.0.0/16 -j RETURN',
      '-A ISTIO_OUTPUT -d 10.0.0.0/8 -j ISTIO_REDIRECT',
      '-A ISTIO_OUTPUT -d 10.96.0.0/12 -j ISTIO_REDIRECT',
      '-A ISTIO_OUTPUT -j RETURN',
      'COMMIT',
    ]);
  });

  test('bad input names the value', () => {
    assert.throws(() => istioIptablesRules({ inboundPortsExclude: [0] }), /0 is not a port number/);
    assert.throws(() => istioIptablesRules({ outboundIpRangesInclude: ['10.0.0.0/33'] }), /10\.0\.0\.0\/33 is not a CIDR/);
    assert.throws(() => istioIptablesRules({ outboundIpRangesExclude: ['example.com'] }), /example\.com is not a CIDR/);
    assert.throws(() => istioIptablesRules({ proxyUids: [-1] }), /-1 is not a uid\/gid/);
  });
});
