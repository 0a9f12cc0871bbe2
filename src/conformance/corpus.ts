/**
 * The conformance corpus (/work/shared/conformance/gateway-api, see its README "Schema"): the
 * types of cases.json as far as this runner uses them, and loading.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const DEFAULT_CORPUS_DIR = '/work/shared/conformance/gateway-api';

export type Requirement = 'tls' | 'h2' | 'h2c' | 'websocket' | 'statistical' | 'retry-backend' | 'endpointslices';

export interface CorpusRequest {
  scheme?: 'http' | 'https';
  host?: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  backendSetResponseHeaders?: Record<string, string>;
  uniqueQueryParam?: string;
  protocol?: string;
  sni?: string;
  followRedirects?: boolean;
}

export interface Expected {
  statusCode?: number;
  statusCodes?: number[];
  backend?: string;
  namespace?: string;
  method?: string;
  path?: string;
  host?: string;
  headersPresent?: Record<string, string>;
  headersAbsent?: string[];
  responseHeaders?: Record<string, string>;
  responseHeadersOneOf?: Record<string, string[]>;
  responseHeadersAbsent?: string[];
  ignoreWhitespaceInResponseHeaders?: boolean;
  mirroredTo?: { backend: string; namespace: string; percent?: number }[];
  backendFromRequestHeader?: string;
  redirect?: { scheme: string; host?: string; port?: string; path: string };
}

export interface DeleteAction {
  op: 'delete';
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

export interface Case {
  name: string;
  gateway?: string;
  gatewayPort?: number;
  requires?: Requirement[];
  before?: DeleteAction[];
  repeat?: number;
  distribution?: unknown;
  mirrorDistribution?: unknown;
  websocket?: unknown;
  request?: CorpusRequest;
  expected?: Expected;
}

export interface Test {
  name: string;
  support: 'core' | 'extended';
  features: string[];
  provisional?: boolean;
  manifests: string[];
  gateway: string;
  gatewayPort: number;
  routes?: string[];
  requires?: Requirement[];
  setup?: unknown[];
  cases: Case[];
}

export interface Corpus {
  dir: string;
  defaults: {
    baseManifests: string;
    gatewayClassPlaceholder: string;
    consistency: { requiredConsecutiveSuccesses: number; maxTimeToConsistencySeconds: number; pollIntervalMillis: number; requestTimeoutSeconds: number };
  };
  tests: Test[];
}

export function loadCorpus(dir = DEFAULT_CORPUS_DIR): Corpus {
  const raw = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as Omit<Corpus, 'dir'>;
  return { ...raw, dir };
}

/** A manifest file's text with the GatewayClass placeholder replaced by ours (`istio`). */
export function readManifest(corpus: Corpus, file: string, className: string): string {
  return readFileSync(join(corpus.dir, file), 'utf8').split(corpus.defaults.gatewayClassPlaceholder).join(className);
}
