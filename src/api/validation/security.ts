/**
 * Security policies: ValidateAuthorizationPolicy (action vs provider and rules, `from`/`to`/`when`
 * contents), ValidateRequestAuthentication (JWT rules), ValidatePeerAuthentication (port-level
 * mTLS needs a selector), and the selector/targetRef rules they share.
 */
import type { FieldPath } from '../resource/field-path.js';
import type { LoadedResource } from '../yaml/load-yaml.js';
import { validateDuration } from './durations.js';
import { Findings } from './findings.js';
import { validateStrictHeaderName } from './headers.js';
import {
  checkEmptyValues,
  checkServiceAccount,
  checkValidPathTemplate,
  parseJwks,
  parseJwksURI,
  validateAttribute,
  validateIPs,
  validatePorts,
} from './security-attributes.js';
import { validateOneOfSelectorType, validatePolicyTargetReference, validatePolicyTargetReferences, validateWorkloadSelector } from './selectors.js';
import { entries, enumValue, isList, list, obj, str, strings, type Obj } from './spec.js';

const SOURCE_FIELDS = [
  ['principals', 'Principals'], ['requestPrincipals', 'RequestPrincipals'], ['namespaces', 'Namespaces'],
  ['ipBlocks', 'IpBlocks'], ['remoteIpBlocks', 'RemoteIpBlocks'], ['notPrincipals', 'NotPrincipals'],
  ['notRequestPrincipals', 'NotRequestPrincipals'], ['notNamespaces', 'NotNamespaces'], ['notIpBlocks', 'NotIpBlocks'],
  ['notRemoteIpBlocks', 'NotRemoteIpBlocks'], ['serviceAccounts', 'ServiceAccounts'], ['notServiceAccounts', 'NotServiceAccounts'],
] as const;

// Source fields that also apply to TCP traffic (all but the request principals, which need HTTP).
const TCP_SOURCE_FIELDS = ['principals', 'notPrincipals', 'ipBlocks', 'notIpBlocks', 'namespaces', 'notNamespaces',
  'remoteIpBlocks', 'notRemoteIpBlocks', 'serviceAccounts', 'notServiceAccounts'];

const OPERATION_FIELDS = [
  ['ports', 'Ports'], ['methods', 'Methods'], ['paths', 'Paths'], ['hosts', 'Hosts'],
  ['notPorts', 'NotPorts'], ['notMethods', 'NotMethods'], ['notPaths', 'NotPaths'], ['notHosts', 'NotHosts'],
] as const;

const DRY_RUN = 'istio.io/dry-run';

/** The selector, targetRef and targetRefs checks every policy kind shares. */
function validatePolicyTargets(f: Findings, spec: Obj): void {
  validateOneOfSelectorType(f, spec);
  validateWorkloadSelector(f, ['spec', 'selector'], spec.selector);
  validatePolicyTargetReference(f, ['spec', 'targetRef'], spec.targetRef);
  validatePolicyTargetReferences(f, ['spec', 'targetRefs'], spec.targetRefs);
}

/** strconv.ParseBool. */
function parseGoBool(value: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  return undefined;
}

export function validateAuthorizationPolicy(loaded: LoadedResource): Findings {
  const { name = '', namespace = '', annotations = {} } = loaded.resource.metadata;
  const spec = obj(loaded.resource.spec) ?? {};
  const action = enumValue(spec.action, 'ALLOW');
  const dryRun = annotations[DRY_RUN];
  if (dryRun !== undefined) {
    const f = new Findings();
    const path = ['metadata', 'annotations', DRY_RUN];
    if (action !== 'ALLOW' && action !== 'DENY') {
      f.error(path, `the annotation ${DRY_RUN} currently only supports action ALLOW/DENY, found action ${action} in ${namespace}/${name}`);
    } else if (parseGoBool(dryRun) === undefined) {
      f.error(path, `${namespace}/${name} has annotation ${DRY_RUN} with invalid value (${dryRun}): strconv.ParseBool: parsing ${JSON.stringify(dryRun)}: invalid syntax`);
    }
    if (f.hasErrors) return f;
  }
  // Every error names the policy, as Istio prefixes them all.
  const f = new Findings(`invalid policy ${name}.${namespace}: `);
  validatePolicyTargets(f, spec);
  const rules = spec.rules;
  const provider = obj(spec.provider);
  if (action === 'CUSTOM') {
    if (!isList(rules)) {
      f.error(['spec'], 'CUSTOM action without `rules` is meaningless as it will never be triggered, add an empty rule `{}` if you want it be triggered for every request');
    } else if (str(provider?.name) === '') {
      f.error(['spec', 'provider'], '`provider.name` must not be empty');
    }
    list(rules).forEach((rule, i) => checkCustomRule(f, ['spec', 'rules', i], obj(rule)));
  }
  if (provider !== undefined && action !== 'CUSTOM') f.error(['spec', 'provider'], `\`provider\` must not be with non CUSTOM action, found ${action}`);
  if (action === 'DENY' && !isList(rules)) {
    f.error(['spec'], 'DENY action without `rules` is meaningless as it will never be triggered, add an empty rule `{}` if you want it be triggered for every request');
  }
  list(rules).forEach((raw, i) => validateRule(f, ['spec', 'rules', i], obj(raw), i, action));
  return f;
}

/** What CUSTOM (ext_authz) policies cannot match on yet. */
function checkCustomRule(f: Findings, path: FieldPath, rule: Obj | undefined): void {
  if (rule === undefined) return;
  const unsupported = (p: FieldPath, what: string): void => f.error(p, `${what} is currently not supported with CUSTOM action`);
  list(rule.from).forEach((from, i) => {
    const source = obj(obj(from)?.source);
    if (source === undefined) return;
    const fields = [['namespaces', 'Namespaces'], ['notNamespaces', 'NotNamespaces'], ['serviceAccounts', 'ServiceAccounts'],
      ['notServiceAccounts', 'NotServiceAccounts'], ['principals', 'Principals'], ['notPrincipals', 'NotPrincipals'],
      ['requestPrincipals', 'RequestPrincipals'], ['notRequestPrincipals', 'NotRequestPrincipals']] as const;
    for (const [key, goName] of fields) {
      if (list(source[key]).length !== 0) unsupported([...path, 'from', i, 'source', key], `From.${goName}`);
    }
  });
  list(rule.when).forEach((raw, i) => {
    const when = obj(raw);
    if (when === undefined) {
      f.error([...path, 'when', i], 'when field cannot be nil');
      return;
    }
    const key = str(when.key);
    if (['source.namespace', 'source.serviceAccount', 'source.principal'].includes(key) || key.startsWith('request.auth.')) {
      unsupported([...path, 'when', i, 'key'], key);
    }
  });
}

function validateRule(f: Findings, path: FieldPath, rule: Obj | undefined, i: number, action: string): void {
  if (rule === undefined) {
    f.error(path, `\`rule\` must not be nil, found at rule ${i}`);
    return;
  }
  if (isList(rule.from) && rule.from.length === 0) f.error([...path, 'from'], `\`from\` must not be empty, found at rule ${i}`);
  let fromExists = false;
  let toExists = false;
  let tcpInFrom = false;
  let tcpInTo = false;
  list(rule.from).forEach((raw, j) => {
    const p = [...path, 'from', j];
    const from = obj(raw);
    if (from === undefined) {
      f.error(p, `\`from\` must not be nil, found at rule ${i}`);
      return;
    }
    const source = obj(from.source);
    if (source === undefined) {
      f.error(p, `\`from.source\` must not be nil, found at rule ${i}`);
      return;
    }
    fromExists = true;
    const sp = [...p, 'source'];
    const count = (keys: readonly string[]): number => keys.reduce((n, k) => n + list(source[k]).length, 0);
    if (count(['principals', 'notPrincipals', 'namespaces', 'notNamespaces']) > 0 && count(['serviceAccounts', 'notServiceAccounts']) > 0) {
      f.error(sp, `cannot set serviceAccounts with namespaces or principals, found at rule ${i}`);
    }
    if (count(SOURCE_FIELDS.map(([k]) => k)) === 0) f.error(sp, `\`from.source\` must not be empty, found at rule ${i}`);
    for (const key of ['ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks']) f.error([...sp, key], validateIPs(strings(source[key])));
    for (const [key, goName] of SOURCE_FIELDS) {
      const check = key === 'serviceAccounts' || key === 'notServiceAccounts' ? checkServiceAccount : checkEmptyValues;
      f.error([...sp, key], check(goName, strings(source[key])));
    }
    if (TCP_SOURCE_FIELDS.some((k) => isList(source[k]))) tcpInFrom = true;
  });
  if (isList(rule.to) && rule.to.length === 0) f.error([...path, 'to'], `\`to\` must not be empty, found at rule ${i}`);
  list(rule.to).forEach((raw, j) => {
    const p = [...path, 'to', j];
    const to = obj(raw);
    if (to === undefined) {
      f.error(p, `\`to\` must not be nil, found at rule ${i}`);
      return;
    }
    const op = obj(to.operation);
    if (op === undefined) {
      f.error(p, `\`to.operation\` must not be nil, found at rule ${i}`);
      return;
    }
    toExists = true;
    const opPath = [...p, 'operation'];
    if (OPERATION_FIELDS.every(([k]) => list(op[k]).length === 0)) f.error(opPath, `\`to.operation\` must not be empty, found at rule ${i}`);
    f.error([...opPath, 'ports'], validatePorts(strings(op.ports)));
    f.error([...opPath, 'notPorts'], validatePorts(strings(op.notPorts)));
    for (const [key, goName] of OPERATION_FIELDS) f.error([...opPath, key], checkEmptyValues(goName, strings(op[key])));
    f.error([...opPath, 'paths'], checkValidPathTemplate('Paths', strings(op.paths)));
    f.error([...opPath, 'notPaths'], checkValidPathTemplate('NotPaths', strings(op.notPaths)));
    if (isList(op.ports) || isList(op.notPorts)) tcpInTo = true;
  });
  list(rule.when).forEach((raw, j) => {
    const p = [...path, 'when', j];
    const condition = obj(raw) ?? {};
    const key = str(condition.key);
    if (key === '') {
      f.error(p, '`key` must not be empty');
      return;
    }
    const values = strings(condition.values);
    const notValues = strings(condition.notValues);
    if (values.length === 0 && notValues.length === 0) {
      f.error(p, `at least one of \`values\` or \`notValues\` must be set for key ${key}`);
      return;
    }
    const valueErr = flatten(validateAttribute(key, values));
    if (valueErr !== undefined) f.error([...p, 'values'], `invalid \`value\` for \`key\` ${key}: ${valueErr}`);
    const notValueErr = flatten(validateAttribute(key, notValues));
    if (notValueErr !== undefined) f.error([...p, 'notValues'], `invalid \`notValue\` for \`key\` ${key}: ${notValueErr}`);
  });
  // A DENY rule with only HTTP conditions also matches every TCP connection, which it then denies.
  if (((fromExists && !toExists && !tcpInFrom) || (toExists && !tcpInTo)) && action === 'DENY') {
    f.warn(path, 'configured AuthorizationPolicy will deny all traffic to TCP ports under its scope due to the use of only HTTP attributes in a DENY rule; it is recommended to explicitly specify the port');
  }
}

function flatten(check: string | readonly string[] | undefined): string | undefined {
  if (check === undefined) return undefined;
  return typeof check === 'string' ? check : check.join('; ');
}

export function validateRequestAuthentication(loaded: LoadedResource): Findings {
  const f = new Findings();
  const spec = obj(loaded.resource.spec) ?? {};
  validatePolicyTargets(f, spec);
  list(spec.jwtRules).forEach((raw, i) => {
    const rule = obj(raw);
    if (rule !== undefined) validateJwtRule(f, ['spec', 'jwtRules', i], rule);
  });
  return f;
}

function validateJwtRule(f: Findings, path: FieldPath, rule: Obj): void {
  strings(rule.audiences).forEach((audience, i) => {
    if (audience === '') f.error([...path, 'audiences', i], 'audience must be non-empty string');
  });
  const issuer = str(rule.issuer);
  const jwksUri = str(rule.jwksUri);
  if (issuer === '' && jwksUri === '') f.error(path, 'issuer or jwksUri must be non-empty string');
  if (jwksUri !== '') f.error([...path, 'jwksUri'], parseJwksURI(jwksUri));
  const jwks = str(rule.jwks);
  if (jwks !== '') f.error([...path, 'jwks'], parseJwks(jwks));
  list(rule.fromHeaders).forEach((raw, i) => {
    const header = obj(raw);
    if (header === undefined) f.error([...path, 'fromHeaders', i], 'location header name must be non-null');
    else if (str(header.name) === '') f.error([...path, 'fromHeaders', i], 'location header name must be non-empty string');
  });
  strings(rule.fromParams).forEach((param, i) => {
    if (param === '') f.error([...path, 'fromParams', i], 'location query must be non-empty string');
  });
  strings(rule.fromCookies).forEach((cookie, i) => {
    if (cookie === '') f.error([...path, 'fromCookies', i], 'cookie name must be non-empty string');
  });
  list(rule.outputClaimToHeaders).forEach((raw, i) => {
    const p = [...path, 'outputClaimToHeaders', i];
    const item = obj(raw);
    if (item === undefined) {
      f.error(p, 'outputClaimToHeaders must not be null');
      return;
    }
    if (str(item.claim) === '' || str(item.header) === '') {
      f.error(p, 'outputClaimToHeaders header and claim value must be non-empty string');
      return;
    }
    f.error([...p, 'header'], validateStrictHeaderName(str(item.header)));
  });
  if (rule.timeout !== undefined) f.error([...path, 'timeout'], validateDuration(rule.timeout));
}

export function validatePeerAuthentication(loaded: LoadedResource): Findings {
  const f = new Findings();
  const spec = obj(loaded.resource.spec) ?? {};
  const selector = obj(spec.selector);
  const emptySelector = selector === undefined || entries(selector.matchLabels).length === 0;
  const portLevel = entries(spec.portLevelMtls);
  // Port numbers only mean something for a given workload, so mesh and namespace policies cannot use them.
  if (emptySelector && portLevel.length !== 0) f.error(['spec', 'portLevelMtls'], 'mesh/namespace peer authentication cannot have port level mTLS');
  if (obj(spec.portLevelMtls) !== undefined && portLevel.length === 0) {
    f.error(['spec', 'portLevelMtls'], 'port level mTLS, if defined, must have at least one element');
  }
  for (const [port] of portLevel) {
    const n = /^\d+$/.test(port) ? Number(port) : -1;
    if (n <= 0 || n > 65535) f.error(['spec', 'portLevelMtls', port], 'port must be in range 1..65535');
  }
  validateWorkloadSelector(f, ['spec', 'selector'], spec.selector);
  return f;
}
