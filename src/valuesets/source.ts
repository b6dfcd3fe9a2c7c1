/**
 * Expands the value sets campaigns name. A local file wins (the care manager's list is the one meant); the FHIR
 * server's `$expand` comes next (to be added: cached in PostgreSQL and refreshed daily).
 */
import type { Expansion, Expansions } from '../criteria/index.ts';
import { loadValueSetFiles } from './local-files.ts';

export interface ValueSetSourceOptions {
  /** The folder of local ValueSet files (VALUESETS_DIR, default jobs/valuesets). */
  dir: string;
}

export function createValueSetSource(options: ValueSetSourceOptions) {
  let files: Promise<Map<string, Expansion>> | undefined;
  return {
    async expand(urls: readonly string[]): Promise<Expansions> {
      if (urls.length === 0) return new Map();
      files ??= loadValueSetFiles(options.dir);
      const local = await files;
      const expansions = new Map<string, Expansion>();
      for (const url of urls) {
        const found = local.get(url);
        if (!found) throw new Error(`Value set ${url} has no file in ${options.dir}`);
        expansions.set(url, found);
      }
      return expansions;
    },
  };
}
