/** The cache of value sets the FHIR server expanded (`value_set_expansions`), one row per canonical URL. */
import type { Db } from './client.ts';

export interface StoredExpansion {
  url: string;
  version: string | undefined;
  /** `system|code`. */
  codes: string[];
  /** The FHIR base URL that expanded it. */
  source: string;
  fetchedAt: Date;
}

export async function findValueSetExpansion(db: Db, url: string): Promise<StoredExpansion | undefined> {
  const row = await db.valueSetExpansion.findUnique({ where: { url } });
  return row ? { ...row, version: row.version ?? undefined } : undefined;
}

/** Replaces the url's row: the latest expansion is the one kept. */
export async function saveValueSetExpansion(db: Db, expansion: StoredExpansion): Promise<void> {
  const row = { ...expansion, version: expansion.version ?? null };
  await db.valueSetExpansion.upsert({ where: { url: expansion.url }, create: row, update: row });
}
