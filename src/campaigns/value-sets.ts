/** The value sets a campaign names, wherever it names them (trigger, cohort, criteria, exclusions). */
import type { Criterion, RecordMatch } from '../criteria/index.ts';
import type { Campaign } from './schema.ts';

export function valueSetsOf(campaign: Pick<Campaign, 'trigger' | 'cohort' | 'when' | 'exclude'>): string[] {
  const urls = new Set<string>();
  const add = (selection: { valueSet?: string | undefined } | undefined) => {
    if (selection?.valueSet) urls.add(selection.valueSet);
  };
  add(campaign.trigger);
  add(campaign.cohort);
  for (const match of recordMatchesOf(campaign)) add(match);
  return [...urls].sort();
}

/** Every `has`/`lacks` of the campaign's `when` and `exclude`, nested ones included. */
export function recordMatchesOf(campaign: Pick<Campaign, 'when' | 'exclude'>): RecordMatch[] {
  const found: RecordMatch[] = [];
  const visit = (criterion: Criterion) => {
    if (criterion.has) found.push(criterion.has);
    if (criterion.lacks) found.push(criterion.lacks);
    for (const child of [...(criterion.all ?? []), ...(criterion.any ?? []), ...(criterion.not ? [criterion.not] : [])]) visit(child);
  };
  if (campaign.when) visit(campaign.when);
  for (const exclusion of campaign.exclude ?? []) visit(exclusion);
  return found;
}
