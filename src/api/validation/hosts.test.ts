import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  hostSubsetOf,
  hostsMatch,
  isValidCIDR,
  validateFQDN,
  validateIPSubnet,
  validateNamespaceSlashWildcardHostname,
  validateUnixAddress,
  validateWildcardDomain,
  validateWildcardDomainForGateway,
} from './hosts.js';
import { isDNS1123Label, isWildcardDNS1123Label, validateLabels } from './labels.js';

describe('host names', () => {
  const fqdn: [string, string | undefined][] = [
    ['reviews.default.svc.cluster.local', undefined],
    ['istio.io.', undefined],
    ['reviews', undefined],
    ['', 'empty domain name not allowed'],
    ['a'.repeat(256), `domain name "${'a'.repeat(256)}" too long (max 255)`],
    ['10.0.0.1', 'domain name "10.0.0.1" invalid (top level domain "1" cannot be all-numeric)'],
    ['under_score.com', 'domain name "under_score.com" invalid (label "under_score" invalid)'],
    ['*.example.com', 'domain name "*.example.com" invalid (label "*" invalid)'],
  ];
  for (const [host, want] of fqdn) test(`FQDN ${JSON.stringify(host.slice(0, 30))}`, () => assert.equal(validateFQDN(host), want));

  const wildcard: [string, string | undefined][] = [
    ['*', undefined],
    ['*.example.com', undefined],
    ['*-api.example.com', undefined],
    // Istio checks the labels after the first on their own, so the message names only that part.
    ['api.*.com', 'domain name "*.com" invalid (label "*" invalid)'],
    ['foo*.com', 'domain name "foo*.com" invalid (label "foo*" invalid)'],
  ];
  for (const [host, want] of wildcard) test(`wildcard ${host}`, () => assert.equal(validateWildcardDomain(host), want));

  test('AUTO_PASSTHROUGH SNI names are accepted for gateways', () => {
    assert.equal(validateWildcardDomainForGateway(true, 'outbound_.80_._.e2e.foobar.mesh'), undefined);
    assert.equal(validateWildcardDomainForGateway(false, 'outbound_.80_._.e2e.foobar.mesh'), 'domain name "outbound_.80_._.e2e.foobar.mesh" invalid (label "outbound_" invalid)');
  });

  test('labels', () => {
    assert.equal(isDNS1123Label('v1'), true);
    assert.equal(isDNS1123Label('V1'), true);
    assert.equal(isDNS1123Label('-v1'), false);
    assert.equal(isDNS1123Label('a'.repeat(64)), false);
    assert.equal(isWildcardDNS1123Label('*-foo'), true);
    assert.deepEqual(validateLabels([['app.kubernetes.io/name', 'reviews'], ['bad key', 'x'], ['ok', 'bad value!']]), [
      'invalid tag key: "bad key"',
      'invalid tag value: "bad value!"',
    ]);
  });
});

describe('namespace/host entries', () => {
  const cases: [string, boolean, string[]][] = [
    ['./*', false, []],
    ['~/*', false, []],
    ['istio-system/*.example.com', true, []],
    ['bookinfo.example.com', true, []],
    ['10.1.2.3', true, []],
    ['bookinfo.example.com', false, ['host must be of form namespace/dnsName']],
    ['default/reviews', false, ['short names (non FQDN) are not allowed']],
    ['~/*', true, ['invalid namespace value "~" in gateway']],
    ['/a.example.com', false, ['config namespace and dnsName in host entry cannot be empty', 'invalid namespace value "" in sidecar']],
    ['ns/foo*.example.com', false, ['domain name "foo*.example.com" invalid (label "foo*" invalid)', 'partial wildcard "foo*.example.com" not allowed']],
  ];
  for (const [host, gateway, want] of cases) {
    test(`${host} (${gateway ? 'gateway' : 'sidecar'})`, () => assert.deepEqual(validateNamespaceSlashWildcardHostname(host, gateway), want));
  }
});

describe('addresses', () => {
  test('IP subnets', () => {
    assert.equal(validateIPSubnet('10.0.0.0/8'), undefined);
    assert.equal(validateIPSubnet('2001:db8::/32'), undefined);
    assert.equal(validateIPSubnet('10.0.0.1'), undefined);
    assert.equal(validateIPSubnet('10.0.0.0/33'), '10.0.0.0/33 is not a valid CIDR block');
    assert.equal(validateIPSubnet('10.0.0/8'), '10.0.0/8 is not a valid CIDR block');
    assert.equal(validateIPSubnet('a.b.c.d'), 'a.b.c.d is not a valid IP');
    assert.equal(isValidCIDR('10.0.0.0/08'), false);
  });

  test('unix sockets', () => {
    assert.equal(validateUnixAddress('/var/run/app.sock'), undefined);
    assert.equal(validateUnixAddress('@abstract'), undefined);
    assert.equal(validateUnixAddress('relative.sock'), 'relative.sock is not an absolute path to a file');
    assert.equal(validateUnixAddress('/var/run/'), '/var/run/ is not an absolute path to a file');
  });

  test('host overlap and subsets (host.Name.Matches, SubsetOf)', () => {
    assert.equal(hostsMatch('*.com', '*.example.com'), true);
    assert.equal(hostsMatch('a.example.com', '*.example.com'), true);
    assert.equal(hostsMatch('a.example.com', 'b.example.com'), false);
    assert.equal(hostSubsetOf('a.example.com', '*.example.com'), true);
    assert.equal(hostSubsetOf('*.example.com', '*.com'), true);
    assert.equal(hostSubsetOf('*.com', '*.example.com'), false);
    assert.equal(hostSubsetOf('*.example.com', 'a.example.com'), false);
  });
});
