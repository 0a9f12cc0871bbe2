import { createRequire } from 'node:module';

/** The package version, read once from package.json. */
export const TSMESH_VERSION: string = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
