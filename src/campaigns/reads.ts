/** What a campaign reads: the value sets it names, and the record types its templates, trigger and criteria use. */
import type { Criterion, RecordMatch } from '../criteria/index.ts';
import { LISTED_RESOURCE_TYPES, type TriggerResourceType } from '../triggers/index.ts';
import { type Campaign, triggerOf } from './schema.ts';

/** The value sets a campaign names, wherever it names them (trigger, cohort, criteria, exclusions). */

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

/**
 * The record types a patient's context is loaded with for this campaign: those templates list, the trigger's, and
 * those its criteria read. Nothing else: a patient's Observations can number thousands.
 */
export function recordTypesOf(campaign: Pick<Campaign, 'trigger' | 'cohort' | 'when' | 'exclude'>): TriggerResourceType[] {
  const types = new Set<TriggerResourceType>([...LISTED_RESOURCE_TYPES, triggerOf(campaign).resource]);
  for (const match of recordMatchesOf(campaign)) types.add(match.resource);
  return [...types];
}
