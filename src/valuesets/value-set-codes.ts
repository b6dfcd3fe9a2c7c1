/**
 * The codes of a ValueSet read from a local file (`jobs/valuesets/*.json`) or a server's `$expand`: they come
 * from `expansion.contains` (nested entries included) or, in a file that was never expanded, from
 * `compose.include[].concept` (explicit codes only: filters need a terminology server).
 */
import type { ValueSetResource } from '../fhir/index.ts';

/** The codes as `system|code`, or the reason they cannot be listed without a terminology server. */
export function codesOfValueSet(valueSet: ValueSetResource): { codes: Set<string> } | { problem: string } {
  const codes = new Set<string>();
  if (valueSet.expansion?.contains) {
    const visit = (
      entries: ReadonlyArray<{ system?: string | undefined; code?: string | undefined; contains?: unknown[] | undefined }>,
    ) => {
      for (const entry of entries) {
        if (entry.system && entry.code) codes.add(`${entry.system}|${entry.code}`);
        if (entry.contains) visit(entry.contains as typeof entries);
      }
    };
    visit(valueSet.expansion.contains);
    return { codes };
  }
  for (const [index, include] of (valueSet.compose?.include ?? []).entries()) {
    if (include.filter?.length || include.valueSet?.length || !include.system || !include.concept) {
      return {
        problem: `compose.include[${index}] needs system and concept (filters and imported value sets need a terminology server): list the codes, or give an expansion`,
      };
    }
    for (const concept of include.concept) codes.add(`${include.system}|${concept.code}`);
  }
  if (codes.size === 0) return { problem: 'lists no codes: give compose.include[].concept or expansion.contains' };
  return { codes };
}
