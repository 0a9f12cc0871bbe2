/**
 * Test inputs for the registry: resources from YAML text (schema-checked like `tsmesh apply`), and
 * the seed guide's fixtures.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { ingestYaml } from '../api/ingest.js';
import { formatProblem } from '../api/problems/problem.js';
import type { Resource } from '../api/resource/resource.js';

const SEED_DIR = fileURLToPath(new URL('../../../src/api/testdata/seed/', import.meta.url));

/** Resources from YAML documents, namespace defaulted to `default`; throws on any problem so a broken fixture cannot pass silently. */
export async function resourcesFromYaml(text: string, file = 'test.yaml'): Promise<Resource[]> {
  const result = await ingestYaml(text, { file });
  if (result.problems.length > 0) throw new Error(`fixture ${file} has problems:\n${result.problems.map(formatProblem).join('\n')}`);
  return result.accepted.map((r) => r.resource);
}

/** The resources of one of the seed guide's YAML fixtures (src/api/testdata/seed). */
export async function seedResources(file: string): Promise<Resource[]> {
  return resourcesFromYaml(readFileSync(SEED_DIR + file, 'utf8'), file);
}

/** A seed fixture's documents as plain resources, without validation: for inputs validation would refuse. */
export function unvalidatedSeedResources(file: string): Resource[] {
  return parseAllDocuments(readFileSync(SEED_DIR + file, 'utf8')).map((d) => {
    const r = d.toJS() as Resource;
    return { ...r, metadata: { namespace: 'default', ...r.metadata } };
  });
}
