/**
 * Codes a campaign names, inline (`system|code`) or by value set. A value set's expansion is fetched before a
 * decision (src/valuesets); from here on everything is pure: a selection becomes one set of `system|code` tokens.
 */

/** A value set expanded: its codes as `system|code`, the version expanded and where it came from. */
export interface Expansion {
  url: string;
  /** The ValueSet's version (or the expansion's identifier) as the source gave it; recorded with each decision. */
  version: string | undefined;
  source: 'server' | 'file';
  codes: ReadonlySet<string>;
}

/** The expansions a decision may use, by canonical URL. */
export type Expansions = ReadonlyMap<string, Expansion>;

export interface CodeSelection {
  codes?: readonly string[] | undefined;
  valueSet?: string | undefined;
}

/** Every `system|code` the selection names. A value set missing from `expansions` is a caller's bug: throws. */
export function codesOf(selection: CodeSelection, expansions: Expansions): string[] {
  const inline = selection.codes ?? [];
  if (selection.valueSet === undefined) return [...inline];
  const expansion = expansions.get(selection.valueSet);
  if (!expansion) throw new Error(`Value set ${selection.valueSet} was not expanded before the decision`);
  return [...new Set([...inline, ...expansion.codes])];
}

/** Whether any of these codings is named by the selection. */
export function codingMatches(
  codings: ReadonlyArray<{ system?: string | undefined; code?: string | undefined }>,
  selection: CodeSelection,
  expansions: Expansions,
): boolean {
  const wanted = new Set(codesOf(selection, expansions));
  return codings.some((coding) => wanted.has(`${coding.system}|${coding.code}`));
}
