/** Value sets shipped beside the campaigns (`jobs/valuesets/*.json`), for servers without terminology services. */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Expansion } from '../criteria/index.ts';
import { ValueSetResource } from '../fhir/index.ts';
import { codesOfValueSet } from './value-set-codes.ts';

/** A value set file that cannot be used: names the file, the field and the fix. */
export class ValueSetFileError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'ValueSetFileError';
  }
}

/** Every `*.json` ValueSet in `dir`, by canonical URL; a missing folder has none. Throws ValueSetFileError. */
export async function loadValueSetFiles(dir: string): Promise<Map<string, Expansion>> {
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  const found = new Map<string, Expansion>();
  for (const name of names.filter((entry) => entry.endsWith('.json')).sort()) {
    const file = join(dir, name);
    const expansion = parseValueSetFile(file, await readFile(file, 'utf8'));
    const earlier = found.get(expansion.url);
    if (earlier)
      throw new ValueSetFileError(file, `url ${expansion.url} is also the url of another file in ${dir}: give each value set one file`);
    found.set(expansion.url, expansion);
  }
  return found;
}

export function parseValueSetFile(file: string, text: string): Expansion {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ValueSetFileError(file, `is not JSON (${error instanceof Error ? error.message : 'unreadable'})`);
  }
  const parsed = ValueSetResource.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ValueSetFileError(file, `${issue?.path.join('.') || '(root)'} ${issue?.message ?? 'is invalid'}`);
  }
  const listed = codesOfValueSet(parsed.data);
  if ('problem' in listed) throw new ValueSetFileError(file, listed.problem);
  return { url: parsed.data.url, version: parsed.data.version, source: 'file', codes: listed.codes };
}
