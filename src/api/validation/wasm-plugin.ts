/**
 * ValidateWasmPlugin: selector vs targetRef(s), the policy target references, the module's `url`
 * (scheme file, http, https or oci; a bare `registry/image:tag` is read as http), `sha256`,
 * the lengths of `imagePullSecret` and `pluginName`, `vmConfig.env`, and `match` ports.
 * `phase`, `priority`, `failStrategy`, `imagePullPolicy`, `type` and `pluginConfig` have no
 * webhook rule: their schema (enums, an int32, a free-form struct) is all Istio checks.
 */
import type { LoadedResource } from '../yaml/load-yaml.js';
import { Findings } from './findings.js';
import { goQuote } from './go-format.js';
import { validateOneOfSelectorType, validatePolicyTargetReference, validatePolicyTargetReferences, validateWorkloadSelector } from './selectors.js';
import { list, num, obj, str } from './spec.js';

/** Go's len of a string: UTF-8 bytes. */
const goLen = (s: string): number => Buffer.byteLength(s, 'utf8');

const VALID_SCHEMES = new Set(['', 'file', 'http', 'https', 'oci']);

export function validateWasmPlugin(loaded: LoadedResource): Findings {
  const f = new Findings();
  const spec = obj(loaded.resource.spec) ?? {};
  validateOneOfSelectorType(f, spec);
  validateWorkloadSelector(f, ['spec', 'selector'], spec.selector);
  validatePolicyTargetReference(f, ['spec', 'targetRef'], spec.targetRef);
  validatePolicyTargetReferences(f, ['spec', 'targetRefs'], spec.targetRefs);
  f.error(['spec', 'url'], validateWasmPluginURL(str(spec.url)));
  f.error(['spec', 'sha256'], validateWasmPluginSHA(str(spec.sha256)));
  if (goLen(str(spec.imagePullSecret)) > 253) f.error(['spec', 'imagePullSecret'], 'imagePullSecret field must be less than 253 characters long');
  if (goLen(str(spec.pluginName)) > 256) f.error(['spec', 'pluginName'], 'pluginName field must be less than 255 characters long');
  validateVMConfig(f, spec.vmConfig);
  validateMatch(f, list(spec.match));
  return f;
}

export function validateWasmPluginURL(pluginURL: string): string | undefined {
  if (pluginURL === '') return 'url field needs to be set';
  const parsed = strictParseURL(pluginURL);
  if (parsed.error !== undefined) return parsed.error;
  if (!VALID_SCHEMES.has(parsed.scheme)) return `url contains unsupported scheme: ${parsed.scheme}`;
  return undefined;
}

/**
 * strictParseURL: Go's url.ParseRequestURI, retried with "http://" before it when it fails (so
 * `ghcr.io/org/filter:1.0` is an http URL). Models the parts of Go's parser that decide the
 * outcome for plugin URLs: the scheme, control characters, percent escapes, and a request URI
 * being absolute (a scheme) or an absolute path.
 */
function strictParseURL(original: string): { scheme: string; error?: string } {
  const first = parseRequestURI(original);
  if (first.error === undefined) return first;
  const retried = parseRequestURI(`http://${original}`);
  if (retried.error !== undefined) return { scheme: '', error: `failed to parse url: ${first.error}` };
  return retried;
}

function parseRequestURI(raw: string): { scheme: string; error?: string } {
  const fail = (why: string): { scheme: string; error: string } => ({ scheme: '', error: `parse ${goQuote(raw)}: ${why}` });
  if (/[\x00-\x1f\x7f]/.test(raw)) return fail('net/url: invalid control character in URL');
  const badEscape = /%(?![0-9a-fA-F]{2})(.{0,2})/.exec(raw);
  if (badEscape !== null) return fail(`invalid URL escape ${goQuote(`%${badEscape[1] ?? ''}`)}`);
  const scheme = getScheme(raw);
  if (typeof scheme !== 'string') return fail(scheme.error);
  const rest = raw.slice(scheme === '' ? 0 : scheme.length + 1);
  if (scheme === '' && !rest.startsWith('/')) return fail('invalid URI for request');
  if (rest.startsWith('//')) {
    // The query is cut off before the authority, which runs to the first slash.
    const authority = (rest.split('?')[0] ?? '').slice(2).split('/')[0] ?? '';
    const host = authority.slice(authority.lastIndexOf('@') + 1);
    const port = /^(?:\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(host)?.[1];
    if (port !== undefined && !/^\d*$/.test(port)) return fail(`invalid port ${goQuote(`:${port}`)} after host`);
    const badHostChar = /[^A-Za-z0-9\-._~!$&'()*+,;=:[\]<>"%\u0080-\uffff]/.exec(host);
    if (badHostChar !== null) return fail(`invalid character ${goQuote(badHostChar[0])} in host name`);
  }
  return { scheme: scheme.toLowerCase() };
}

/** Go's getScheme: letters, then letters, digits, `+`, `-`, `.` up to a colon. */
function getScheme(raw: string): string | { error: string } {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (/[a-zA-Z]/.test(c)) continue;
    if (/[0-9+\-.]/.test(c)) {
      if (i === 0) return '';
      continue;
    }
    if (c === ':') return i === 0 ? { error: 'missing protocol scheme' } : raw.slice(0, i);
    return '';
  }
  return '';
}

function validateWasmPluginSHA(sha: string): string | undefined {
  if (sha === '') return undefined;
  if (sha.length !== 64) return 'sha256 field must be 64 characters long';
  if (!/^[a-f0-9]+$/.test(sha)) return 'sha256 field must match [a-f0-9]{64} pattern';
  return undefined;
}

/** validateWasmPluginVMConfig: Go returns at the first bad env entry, so at most one error. */
function validateVMConfig(f: Findings, value: unknown): void {
  const env = list(obj(value)?.env);
  const names = new Set<string>();
  for (const [i, raw] of env.entries()) {
    const entry = obj(raw);
    if (entry === undefined) continue;
    const path = ['spec', 'vmConfig', 'env', i];
    const name = str(entry.name);
    if (name === '') return f.error(path, 'spec.vmConfig.env invalid');
    if (goLen(name) > 256) return f.error([...path, 'name'], 'env.name field must be less than 255 characters long');
    if (names.has(name)) return f.error([...path, 'name'], 'duplicate env');
    names.add(name);
    const valueFrom = typeof entry.valueFrom === 'string' && entry.valueFrom !== '' ? entry.valueFrom : 'INLINE';
    if (valueFrom !== 'INLINE' && str(entry.value) !== '') return f.error([...path, 'value'], 'value may only be set when valueFrom is INLINE');
  }
}

/** validateWasmPluginMatch: Go returns at the first bad selector or port. */
function validateMatch(f: Findings, selectors: readonly unknown[]): void {
  for (const [selIdx, raw] of selectors.entries()) {
    const selector = obj(raw);
    if (selector === undefined) return f.error(['spec', 'match', selIdx], `spec.Match[${selIdx}] is nil`);
    for (const [portIdx, rawPort] of list(selector.ports).entries()) {
      const port = obj(rawPort);
      const path = ['spec', 'match', selIdx, 'ports', portIdx];
      if (port === undefined) return f.error(path, `spec.Match[${selIdx}].Ports[${portIdx}] is nil`);
      const number = num(port.number);
      if (number <= 0 || number > 65535) return f.error([...path, 'number'], `spec.Match[${selIdx}].Ports[${portIdx}] is out of range: ${number}`);
    }
  }
}
