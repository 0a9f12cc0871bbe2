/**
 * TrafficPolicy rules (validateTrafficPolicy and what it calls): connection pools, outlier
 * detection, load balancing (consistent hash, maglev, locality, warmup), client TLS, port-level
 * settings, tunnel. Used by DestinationRule (top level and per subset) and, for connection pools,
 * by Sidecar.
 */
import type { FieldPath } from '../resource/field-path.js';
import { isZeroDuration, validateDuration } from './durations.js';
import type { Findings } from './findings.js';
import { validateFQDN, validateIPAddress } from './hosts.js';
import { validateLocalityLbSetting } from './locality-lb.js';
import { validatePort } from './ports.js';
import { bool, enumValue, num, obj, str, type Obj } from './spec.js';

const at = (path: FieldPath, ...rest: (string | number)[]): FieldPath => [...path, ...rest];

/** ValidatePercent: an int32 percentage in 0..100. */
export function validatePercent(value: number): string | undefined {
  return value < 0 || value > 100 ? `percentage ${value} is not in range 0..100` : undefined;
}

export function validateTrafficPolicy(f: Findings, path: FieldPath, namespace: string, value: unknown): void {
  const policy = obj(value);
  if (policy === undefined) return;
  const fields = ['outlierDetection', 'connectionPool', 'loadBalancer', 'tls', 'portLevelSettings', 'tunnel', 'proxyProtocol'];
  if (!fields.some((k) => policy[k] !== undefined && policy[k] !== null)) {
    f.error(path, 'traffic policy must have at least one field');
    return;
  }
  if (obj(policy.tunnel) !== undefined && obj(policy.proxyProtocol) !== undefined) {
    f.error(path, 'tunnel and proxyProtocol must not be set together');
    return;
  }
  validateOutlierDetection(f, at(path, 'outlierDetection'), policy.outlierDetection);
  validateConnectionPool(f, at(path, 'connectionPool'), policy.connectionPool);
  validateLoadBalancer(f, at(path, 'loadBalancer'), policy.loadBalancer, policy.outlierDetection);
  validateClientTLS(f, at(path, 'tls'), namespace, policy.tls);
  validatePortTrafficPolicies(f, at(path, 'portLevelSettings'), namespace, policy.portLevelSettings);
  validateTunnelSettings(f, at(path, 'tunnel'), policy.tunnel);
}

function validatePortTrafficPolicies(f: Findings, path: FieldPath, namespace: string, value: unknown): void {
  if (!Array.isArray(value)) return;
  value.forEach((raw, i) => {
    const p = at(path, i);
    const t = obj(raw);
    if (t === undefined) {
      f.error(p, 'traffic policy may not be null');
      return;
    }
    if (obj(t.port) === undefined) f.error(p, 'portTrafficPolicy must have valid port');
    if (!['outlierDetection', 'connectionPool', 'loadBalancer', 'tls'].some((k) => obj(t[k]) !== undefined)) {
      f.error(p, 'port traffic policy must have at least one field');
      return;
    }
    validateOutlierDetection(f, at(p, 'outlierDetection'), t.outlierDetection);
    validateConnectionPool(f, at(p, 'connectionPool'), t.connectionPool);
    validateLoadBalancer(f, at(p, 'loadBalancer'), t.loadBalancer, t.outlierDetection);
    validateClientTLS(f, at(p, 'tls'), namespace, t.tls);
  });
}

function validateTunnelSettings(f: Findings, path: FieldPath, value: unknown): void {
  const tunnel = obj(value);
  if (tunnel === undefined) return;
  const protocol = str(tunnel.protocol);
  if (protocol !== '' && protocol !== 'CONNECT' && protocol !== 'POST') f.error(at(path, 'protocol'), 'tunnel protocol must be "CONNECT" or "POST"');
  const host = str(tunnel.targetHost);
  const fqdnErr = validateFQDN(host);
  const ipErr = validateIPAddress(host);
  if (fqdnErr !== undefined && ipErr !== undefined) {
    f.error(at(path, 'targetHost'), `tunnel target host must be valid FQDN or IP address: ${fqdnErr}; ${ipErr}`);
  }
  const portErr = validatePort(num(tunnel.targetPort));
  if (portErr !== undefined) f.error(at(path, 'targetPort'), `tunnel target port is invalid: ${portErr}`);
}

export function validateOutlierDetection(f: Findings, path: FieldPath, value: unknown): void {
  const outlier = obj(value);
  if (outlier === undefined) return;
  if (outlier.baseEjectionTime !== undefined) f.error(at(path, 'baseEjectionTime'), validateDuration(outlier.baseEjectionTime));
  if (num(outlier.consecutiveErrors) !== 0) {
    f.warn(at(path, 'consecutiveErrors'), 'outlier detection consecutive errors is deprecated, use consecutiveGatewayErrors or consecutive5xxErrors instead');
  }
  if (!bool(outlier.splitExternalLocalOriginErrors) && num(outlier.consecutiveLocalOriginFailures) > 0) {
    f.error(at(path, 'consecutiveLocalOriginFailures'), 'outlier detection consecutive local origin failures is specified, but split external local origin errors is set to false');
  }
  if (outlier.interval !== undefined) f.error(at(path, 'interval'), validateDuration(outlier.interval));
  f.error(at(path, 'maxEjectionPercent'), validatePercent(num(outlier.maxEjectionPercent)));
  f.error(at(path, 'minHealthPercent'), validatePercent(num(outlier.minHealthPercent)));
}

export function validateConnectionPool(f: Findings, path: FieldPath, value: unknown): void {
  const pool = obj(value);
  if (pool === undefined) return;
  const http = obj(pool.http);
  const tcp = obj(pool.tcp);
  if (http === undefined && tcp === undefined) {
    f.error(path, 'connection pool must have at least one field');
    return;
  }
  if (http !== undefined) {
    const p = at(path, 'http');
    const nonNegative: [string, string][] = [
      ['http1MaxPendingRequests', 'http1 max pending requests must be non-negative'],
      ['http2MaxRequests', 'http2 max requests must be non-negative'],
      ['maxRequestsPerConnection', 'max requests per connection must be non-negative'],
      ['maxRetries', 'max retries must be non-negative'],
      ['maxConcurrentStreams', 'max concurrent streams must be non-negative'],
    ];
    for (const [key, message] of nonNegative) if (num(http[key]) < 0) f.error(at(p, key), message);
    if (http.idleTimeout !== undefined) f.error(at(p, 'idleTimeout'), validateDuration(http.idleTimeout));
    if (enumValue(http.h2UpgradePolicy, 'DEFAULT') === 'UPGRADE' && bool(http.useClientProtocol)) {
      f.error(at(p, 'useClientProtocol'), 'use client protocol must not be true when H2UpgradePolicy is UPGRADE');
    }
  }
  if (tcp !== undefined) {
    const p = at(path, 'tcp');
    if (num(tcp.maxConnections) < 0) f.error(at(p, 'maxConnections'), 'max connections must be non-negative');
    for (const key of ['connectTimeout', 'maxConnectionDuration']) {
      if (tcp[key] !== undefined) f.error(at(p, key), validateDuration(tcp[key]));
    }
    // 0s turns the idle timeout off, so it is not held to the 1ms minimum.
    if (tcp.idleTimeout !== undefined && !isZeroDuration(tcp.idleTimeout)) f.error(at(p, 'idleTimeout'), validateDuration(tcp.idleTimeout));
    const keepalive = obj(tcp.tcpKeepalive);
    if (keepalive !== undefined) {
      for (const key of ['time', 'interval']) {
        if (keepalive[key] !== undefined) f.error(at(p, 'tcpKeepalive', key), validateDuration(keepalive[key]));
      }
    }
  }
}

/** Envoy's prime test for maglev table sizes (source/common/common/utility.cc), as Istio copies it. */
function isPrime(x: number): boolean {
  if (x !== 0 && x < 4) return true;
  if (x % 2 === 0) return false;
  const limit = Math.floor(Math.sqrt(x));
  for (let factor = 3; factor <= limit; factor += 2) if (x % factor === 0) return false;
  return true;
}

function validateLoadBalancer(f: Findings, path: FieldPath, value: unknown, outlier: unknown): void {
  const lb = obj(value);
  if (lb === undefined) return;
  const hash = obj(lb.consistentHash);
  if (hash !== undefined) validateConsistentHash(f, at(path, 'consistentHash'), hash);
  validateLocalityLbSetting(f, at(path, 'localityLbSetting'), lb.localityLbSetting, obj(outlier) !== undefined);
  const warmup = obj(lb.warmup);
  if (warmup !== undefined) {
    const p = at(path, 'warmup');
    if (warmup.duration === undefined) f.error(p, 'duration is required');
    else f.error(at(p, 'duration'), validateDuration(warmup.duration));
    if (num(warmup.minimumPercent) > 100) f.error(at(p, 'minimumPercent'), 'minimumPercent value should be less than or equal to 100');
    if (warmup.aggression !== undefined && num(warmup.aggression) < 1) f.error(at(p, 'aggression'), 'aggression should be greater than or equal to 1');
  }
}

function validateConsistentHash(f: Findings, path: FieldPath, hash: Obj): void {
  const cookie = obj(hash.httpCookie);
  if (cookie !== undefined && str(cookie.name) === '') f.error(at(path, 'httpCookie'), 'name required for HttpCookie');
  const minimumRingSize = num(hash.minimumRingSize);
  if (minimumRingSize !== 0) {
    f.warn(at(path, 'minimumRingSize'), "consistent hash MinimumRingSize is deprecated, use ConsistentHashLB's RingHash configuration instead");
    if (obj(hash.ringHash) !== undefined || obj(hash.maglev) !== undefined) {
      f.error(at(path, 'minimumRingSize'), 'only one of MinimumRingSize or Maglev/Ringhash can be specified');
    }
  }
  const maglev = obj(hash.maglev);
  if (maglev !== undefined) {
    const p = at(path, 'maglev', 'tableSize');
    const size = num(maglev.tableSize);
    if (size === 0) f.error(p, 'tableSize must be set for maglev');
    if (size >= 5000011) f.error(p, 'tableSize must be less than 5000011 for maglev');
    if (!isPrime(size)) f.error(p, 'tableSize must be a prime number for maglev');
  }
}

/** agent.ValidateTLS: client TLS settings of a DestinationRule. */
function validateClientTLS(f: Findings, path: FieldPath, namespace: string, value: unknown): void {
  const tls = obj(value);
  if (tls === undefined) return;
  const mode = enumValue(tls.mode, 'DISABLE');
  const credentialName = str(tls.credentialName);
  if (credentialName.startsWith('configmap://')) {
    const rest = credentialName.slice('configmap://'.length);
    const slash = rest.indexOf('/');
    const ns = slash < 0 ? namespace : rest.slice(0, slash);
    if (ns !== namespace || namespace === '') {
      f.error(at(path, 'credentialName'), `invalid configmap:// credentialName: namespace must match the configuration namespace ${JSON.stringify(namespace)}`);
    }
  }
  if (bool(tls.insecureSkipVerify)) {
    const hasSans = Array.isArray(tls.subjectAltNames);
    if (mode === 'SIMPLE' && (str(tls.caCertificates) !== '' || credentialName !== '' || hasSans)) {
      f.error(at(path, 'insecureSkipVerify'), 'cannot specify CaCertificates or CredentialName or SubjectAltNames when InsecureSkipVerify is set true');
    }
    if (mode === 'MUTUAL' && (str(tls.caCertificates) !== '' || hasSans)) {
      f.error(at(path, 'insecureSkipVerify'), 'cannot specify CaCertificates or SubjectAltNames when InsecureSkipVerify is set true');
    }
  }
  if ((mode === 'SIMPLE' || mode === 'MUTUAL') && credentialName !== '') {
    if (['clientCertificate', 'caCertificates', 'privateKey', 'caCrl'].some((k) => str(tls[k]) !== '')) {
      f.error(at(path, 'credentialName'), 'cannot specify client certificates or CA certificate or CA CRL If credentialName is set');
    }
    // Credentials come from the secret; nothing else is required.
    return;
  }
  if (mode === 'MUTUAL') {
    if (str(tls.clientCertificate) === '') f.error(path, 'client certificate required for mutual tls');
    if (str(tls.privateKey) === '') f.error(path, 'private key required for mutual tls');
  }
}
