/**
 * Build step: parses the Envoy .proto files once and writes the JSON descriptor that
 * envoy-protos.ts loads at run time (~5x faster than parsing). Run after tsc:
 *
 *   node dist/src/xds/proto/gen-descriptor.js
 *
 * The output lives in dist/ only; it is generated, never committed.
 */
import { writeFileSync } from 'node:fs';
import { DESCRIPTOR_PATH, parseEnvoyProtos } from './envoy-protos.js';
import type { EnvoyDescriptorFile } from './envoy-protos.js';
import { ENVOY_PROTO_FILES } from './proto-files.js';

const start = performance.now();
const file: EnvoyDescriptorFile = { files: ENVOY_PROTO_FILES, root: parseEnvoyProtos().toJSON() };
writeFileSync(DESCRIPTOR_PATH, JSON.stringify(file));
console.log(`gen-descriptor: wrote ${DESCRIPTOR_PATH} in ${Math.round(performance.now() - start)} ms`);
