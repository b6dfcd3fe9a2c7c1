/**
 * What to ask the FHIR server on each poll (pure). A poll must be cheap when little has changed, yet never
 * miss a resource whose date comes due later than it was last updated, so it combines:
 *  - a full scan of the due window on the first poll, and once per repeat period for periodic campaigns;
 *  - otherwise resources changed since the watermark (`_lastUpdated`), and, for delayed triggers,
 *    resources whose date came due since the last poll (an `_lastUpdated` poll cannot see those);
 *  - and, when the campaign has criteria, the records they read changed since the watermark (a new HbA1c can
 *    close a care gap): their patients' triggers are searched again (`subject=`), so the decision is made anew.
 * The overlap margin absorbs clock skew and in-flight writes; the idempotency key makes the overlap safe.
 */

import { codesOf, type Expansions } from '../criteria/index.ts';
import type { SearchParams } from '../fhir/index.ts';
import { parseDurationMs } from '../time/index.ts';
import { type DueWindow, searchParameterNamesOf, type TriggerSearchParameterNames, triggerSearchParams } from '../triggers/index.ts';
import { recordMatchesOf } from './reads.ts';
import { type Campaign, type Trigger, triggerOf } from './schema.ts';

export interface PollState {
  /** Resources updated before this instant were seen by an earlier poll. */
  watermark?: Date;
  /** The reference time of the last completed poll. */
  lastPolledAt?: Date;
  /** The reference time of the last poll that scanned the whole due window. */
  lastFullScanAt?: Date;
}

export interface TriggerSearch {
  resourceType: Trigger['resource'];
  params: SearchParams;
  purpose: 'full-window' | 'changed' | 'newly-due' | 'criteria-changed';
  /** For `criteria-changed`: the trigger search to run for the patients of the records found (add `subject`). */
  triggers?: { resourceType: Trigger['resource']; params: SearchParams };
}

/** The search parameters a poll of this trigger type sends, by role, besides `_count` (for `doctor` to check). */
export function triggerSearchParameters(resource: Trigger['resource']): TriggerSearchParameterNames & { changedSince: string } {
  return { ...searchParameterNamesOf(resource), changedSince: '_lastUpdated' };
}

/** The range of clinical dates that make a trigger due at `now`. */
export function dueWindow(trigger: Trigger, now: Date): DueWindow {
  const delayMs = trigger.delay ? (parseDurationMs(trigger.delay) ?? 0) : 0;
  const withinMs = trigger.within ? parseDurationMs(trigger.within) : undefined;
  const to = new Date(now.getTime() - delayMs);
  return {
    ...(withinMs !== undefined ? { from: new Date(to.getTime() - withinMs) } : {}),
    // Without a delay, anything dated up to now is due; a bound would only hide clock skew.
    ...(delayMs > 0 ? { to } : {}),
  };
}

export function needsFullScan(campaign: Campaign, state: PollState, now: Date): boolean {
  if (!state.watermark || !state.lastPolledAt) return true;
  // A delayed trigger whose date cannot be searched can only be seen coming due by looking again.
  const trigger = triggerOf(campaign);
  if (trigger.delay && !searchParameterNamesOf(trigger.resource).date) return true;
  if (campaign.repeat === 'once') return false;
  const periodMs = parseDurationMs(campaign.repeat) ?? 0;
  return !state.lastFullScanAt || now.getTime() - state.lastFullScanAt.getTime() >= periodMs;
}

export function planTriggerSearches(
  campaign: Campaign,
  state: PollState,
  now: Date,
  overlapMs: number,
  expansions: Expansions,
): TriggerSearch[] {
  const trigger = triggerOf(campaign);
  const window = dueWindow(trigger, now);
  const { date } = searchParameterNamesOf(trigger.resource);
  const codes = codesOf(trigger, expansions);
  const base = (from: Date | undefined, to: Date | undefined) => triggerSearchParams({ ...trigger, codes }, { from, to });
  const search = (purpose: TriggerSearch['purpose'], params: SearchParams): TriggerSearch => ({
    resourceType: trigger.resource,
    params,
    purpose,
  });

  const { watermark, lastPolledAt } = state;
  if (!watermark || !lastPolledAt || needsFullScan(campaign, state, now)) {
    return [search('full-window', base(window.from, window.to))];
  }
  const changedSince = `ge${iso(new Date(watermark.getTime() - overlapMs))}`;
  const searches = [search('changed', { ...base(window.from, window.to), _lastUpdated: changedSince })];
  for (const [resourceType, codes] of criteriaCodesByType(campaign, expansions)) {
    const params = { ...triggerSearchParams({ resource: resourceType, codes, status: [] }, {}), _lastUpdated: changedSince };
    searches.push({
      resourceType,
      params,
      purpose: 'criteria-changed',
      triggers: { resourceType: trigger.resource, params: base(window.from, window.to) },
    });
  }
  // Without a date parameter (Conditions) the `changed` search is all a poll can do.
  if (trigger.delay && window.to && date) {
    const sinceLastPoll = new Date(lastPolledAt.getTime() - (now.getTime() - window.to.getTime()) - overlapMs);
    const from = window.from && window.from > sinceLastPoll ? window.from : sinceLastPoll;
    searches.push(search('newly-due', base(from, window.to)));
  }
  return searches;
}

const iso = (date: Date) => date.toISOString();

/** The codes the campaign's criteria read, by record type (one change search per type serves every criterion on it). */
function criteriaCodesByType(campaign: Campaign, expansions: Expansions): Map<Trigger['resource'], string[]> {
  const byType = new Map<Trigger['resource'], Set<string>>();
  for (const match of recordMatchesOf(campaign)) {
    const codes = byType.get(match.resource) ?? new Set<string>();
    for (const code of codesOf(match, expansions)) codes.add(code);
    byType.set(match.resource, codes);
  }
  return new Map([...byType].map(([type, codes]) => [type, [...codes].sort()]));
}
