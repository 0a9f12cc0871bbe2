import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import type { Field, Root, Type } from 'protobufjs';
import { ENVOY_PROTO_FILES, ENVOY_PROTO_INCLUDE_DIRS } from './proto-files.js';

/**
 * The Envoy v3 protobuf types, loaded once on first use.
 *
 * Parsing the .proto files takes ~100-150 ms, so the build writes a JSON descriptor beside this
 * module (gen-descriptor.ts) which loads in ~30 ms, types being resolved on first use. The descriptor records the file
 * list it was made from; when it is missing or stale (the list changed and the build was not
 * rerun) we parse the .proto files instead, so correctness never depends on the build step.
 */

export const TYPE_URL_PREFIX = 'type.googleapis.com/';

/** The descriptor file the build writes next to the compiled module. */
export const DESCRIPTOR_PATH = join(dirname(fileURLToPath(import.meta.url)), 'envoy-descriptor.json');

export interface EnvoyDescriptorFile {
  files: readonly string[];
  root: protobuf.INamespace;
}

export interface ProtoLoadInfo {
  source: 'descriptor' | 'proto-files';
  ms: number;
}

let root: Root | undefined;
let loadInfo: ProtoLoadInfo | undefined;
const typeCache = new Map<string, Type | null>();

/** Parses the Envoy .proto files (slow path, and what gen-descriptor.ts serialises). */
export function parseEnvoyProtos(): Root {
  const require = createRequire(import.meta.url);
  const depsDir = join(dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
  const includeDirs = [
    ...ENVOY_PROTO_INCLUDE_DIRS.map((d) => join(depsDir, d)),
    // google/protobuf/descriptor.proto, which the validate/udpa annotations import.
    dirname(require.resolve('protobufjs/package.json')),
  ];
  const r = new protobuf.Root();
  r.resolvePath = (_origin: string, target: string): string => {
    for (const dir of includeDirs) {
      const candidate = join(dir, target);
      if (existsSync(candidate)) return candidate;
    }
    return target;
  };
  // keepCase: field names stay as written in the .proto (snake_case), which is Envoy's YAML form.
  r.loadSync([...ENVOY_PROTO_FILES], { keepCase: true });
  r.resolveAll();
  return r;
}

function readDescriptor(): Root | undefined {
  if (!existsSync(DESCRIPTOR_PATH)) return undefined;
  try {
    const file = JSON.parse(readFileSync(DESCRIPTOR_PATH, 'utf8')) as EnvoyDescriptorFile;
    if (file.files.join('\n') !== ENVOY_PROTO_FILES.join('\n')) return undefined;
    // Not Root.fromJSON: that resolves every type up front (half the load time). Types are
    // resolved on first use instead (see resolved()).
    const r = new protobuf.Root();
    r.addJSON(file.root.nested ?? {});
    return r;
  } catch {
    return undefined; // a truncated or foreign file: fall back to parsing
  }
}

/** The shared protobufjs Root with every type in ENVOY_PROTO_FILES and their imports. */
export function envoyRoot(): Root {
  if (root) return root;
  const start = performance.now();
  const fromDescriptor = readDescriptor();
  root = fromDescriptor ?? parseEnvoyProtos();
  loadInfo = { source: fromDescriptor ? 'descriptor' : 'proto-files', ms: performance.now() - start };
  return root;
}

/** How the protos were loaded and how long it took (undefined until first use). */
export function protoLoadInfo(): ProtoLoadInfo | undefined {
  return loadInfo;
}

function stripDot(name: string): string {
  return name.startsWith('.') ? name.slice(1) : name;
}

const resolvedTypes = new WeakSet<Type>();

/**
 * The type with its fields' types resolved. Types from the descriptor are resolved lazily, so
 * code that walks `fieldsArray`/`resolvedType` itself (not via encode/decode) calls this first.
 */
export function resolved(type: Type): Type {
  if (!resolvedTypes.has(type)) {
    type.resolveAll();
    resolvedTypes.add(type);
  }
  return type;
}

/** The message type, or undefined when it is not loaded. Accepts a leading dot or not. */
export function findType(fullName: string): Type | undefined {
  const name = stripDot(fullName);
  let t = typeCache.get(name);
  if (t === undefined) {
    const found = envoyRoot().lookup(name);
    t = found instanceof protobuf.Type ? resolved(found) : null;
    typeCache.set(name, t);
  }
  return t ?? undefined;
}

/** The message type; throws when it is not loaded. */
export function lookupType(fullName: string): Type {
  const t = findType(fullName);
  if (!t) throw new Error(`unknown protobuf message type ${stripDot(fullName)}`);
  return t;
}

/** 'envoy.config.listener.v3.Listener' → 'type.googleapis.com/envoy.config.listener.v3.Listener'. */
export function typeUrlOf(fullName: string): string {
  return TYPE_URL_PREFIX + stripDot(fullName);
}

/** The type an Any's type URL names (anything after the last '/'), or undefined if not loaded. */
export function findTypeByUrl(typeUrl: string): Type | undefined {
  const slash = typeUrl.lastIndexOf('/');
  const name = typeUrl.slice(slash + 1);
  return name ? findType(name) : undefined;
}

/** A type's full name without the leading dot, as Envoy prints it. */
export function typeName(type: { fullName: string }): string {
  return stripDot(type.fullName);
}

const fieldIndex = new WeakMap<Type, Map<string, Field>>();

/** A field by its proto name (snake_case) or its JSON name (lowerCamelCase). */
export function findField(type: Type, key: string): Field | undefined {
  let m = fieldIndex.get(type);
  if (!m) {
    m = new Map();
    for (const f of resolved(type).fieldsArray) {
      m.set(f.name, f);
      if (f.jsonName) m.set(f.jsonName, f);
    }
    fieldIndex.set(type, m);
  }
  return m.get(key);
}
