/** What a campaign reads: the value sets it names, and the record types its templates, trigger and criteria use. */
import { type CodeSelection, type Criterion, codesOf, type Expansions, type RecordMatch } from '../criteria/index.ts';
import { isLoadedByCode, LISTED_RESOURCE_TYPES, type TriggerResourceType } from '../triggers/index.ts';
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
 * What reads a patient's record for this campaign: `decision`, the trigger and the criteria; `criteria`, what the
 * send-time check judges again (the trigger is read there by its id).
 */
function readersOf(campaign: Pick<Campaign, 'trigger' | 'cohort' | 'when' | 'exclude'>, scope: ReadScope): RecordReader[] {
  return [...(scope === 'decision' ? [triggerOf(campaign)] : []), ...recordMatchesOf(campaign)];
}

type ReadScope = 'decision' | 'criteria';
type RecordReader = CodeSelection & { resource: TriggerResourceType };

/**
 * The record types a patient's context is loaded with for this campaign: for a decision, those templates list,
 * the trigger's, and those its criteria read. Nothing else: a patient's Observations can number thousands.
 */
export function recordTypesOf(
  campaign: Pick<Campaign, 'trigger' | 'cohort' | 'when' | 'exclude'>,
  scope: ReadScope = 'decision',
): TriggerResourceType[] {
  const listed = scope === 'decision' ? LISTED_RESOURCE_TYPES : [];
  return [...new Set([...listed, ...readersOf(campaign, scope).map((reader) => reader.resource)])];
}

/** What patients' contexts are loaded with: the record types, and for the types loaded by code, the codes. */
export interface ContextReads {
  types: TriggerResourceType[];
  codes: Map<TriggerResourceType, string[]>;
}

/**
 * What patients' contexts are loaded with for these campaigns. A type loaded by code (Observations) comes with
 * every code a reader of it names, or whole when one reader names none.
 */
export function contextReadsOf(
  campaigns: ReadonlyArray<Pick<Campaign, 'trigger' | 'cohort' | 'when' | 'exclude'>>,
  expansions: Expansions,
  scope: ReadScope = 'decision',
): ContextReads {
  const codes = new Map<TriggerResourceType, Set<string>>();
  const whole = new Set<TriggerResourceType>();
  for (const reader of campaigns.flatMap((campaign) => readersOf(campaign, scope))) {
    if (!isLoadedByCode(reader.resource)) continue;
    const named = codesOf(reader, expansions);
    if (named.length === 0) whole.add(reader.resource);
    codes.set(reader.resource, new Set([...(codes.get(reader.resource) ?? []), ...named]));
  }
  for (const type of whole) codes.delete(type);
  return {
    types: [...new Set(campaigns.flatMap((campaign) => recordTypesOf(campaign, scope)))],
    codes: new Map([...codes].map(([type, named]) => [type, [...named].sort()])),
  };
}
