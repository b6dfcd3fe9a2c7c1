/**
 * Who gets a prompt (pure). The server's search narrows the candidates; this decides, so a loose server
 * match (case-insensitive tokens, a stale page) can never make careprompt message the wrong patient.
 */
import { type CriteriaExplanation, codingMatches, type Expansions, judgeCriteria, testValue } from '../criteria/index.ts';
import { type Patient, patientIdOf } from '../fhir/index.ts';
import { clinicalDateOf, codingsOf, statusOf, type TriggerResource, untrustedBecause } from '../triggers/index.ts';
import { type OptOutFacts, type OptOutRules, optOutOf, optOutReason } from './opt-out.ts';
import { type Campaign, triggerOf } from './schema.ts';
import { dueWindow } from './search.ts';

/** The rule behind a skip, as audit events name it. */
export type SkipRule = 'deceased' | 'inactive' | 'opt-out' | 'criteria' | 'excluded' | 'language' | 'template-value';

export type Decision =
  /** Prompt this patient; `criteria`: how the campaign's `when`/`exclude` were judged, when it has any. */
  | { kind: 'prompt'; criteria?: CriteriaExplanation }
  /** A real candidate who must not be prompted; the rule and reason are recorded (with the criteria's explanation). */
  | { kind: 'skip'; rule: SkipRule; reason: string; criteria?: CriteriaExplanation }
  /** Not a candidate after all (the server matched loosely); nothing is recorded. */
  | { kind: 'no-match'; reason: string };

/**
 * Why the resource is not (or no longer) what the campaign's trigger or cohort names, its date aside: another type,
 * codes, a status or a value the campaign does not take, or a record not the patient's. Undefined when it is.
 */
export function triggerObjection(campaign: Campaign, resource: TriggerResource, expansions: Expansions): string | undefined {
  const trigger = triggerOf(campaign);
  if (resource.resourceType !== trigger.resource) return `not a ${trigger.resource}`;
  if (!codingMatches(codingsOf(resource), trigger, expansions)) return 'no coding matches the campaign codes';
  const status = statusOf(resource);
  if (!status || !trigger.status.includes(status)) return `status ${status ?? 'missing'} is not allowed`;
  if (trigger.value && resource.resourceType === 'Observation') {
    const value = testValue(resource, trigger.value);
    if (!value.held) return value.because;
  }
  return untrustedBecause(resource);
}

export function triggerMatches(campaign: Campaign, resource: TriggerResource, now: Date, expansions: Expansions): Decision {
  // Not a skip: nothing is recorded under the prompt's key, so a diagnosis confirmed later can still prompt.
  const objection = triggerObjection(campaign, resource, expansions);
  if (objection) return { kind: 'no-match', reason: objection };

  const trigger = triggerOf(campaign);
  const window = dueWindow(trigger, now);
  if (window.from || window.to) {
    const date = clinicalDateOf(resource);
    const time = date ? Date.parse(date) : Number.NaN;
    if (Number.isNaN(time)) return { kind: 'no-match', reason: 'the resource has no usable date' };
    if (window.from && time < window.from.getTime()) return { kind: 'no-match', reason: 'dated before the window' };
    if (window.to && time > window.to.getTime()) return { kind: 'no-match', reason: 'not due yet' };
  }
  return { kind: 'prompt' };
}

/** The patient as the decision sees them: the Patient, their Consents and their local opt-outs. */
export interface PatientFacts extends OptOutFacts {
  patient: Patient;
}

/** Whether this campaign may message this patient at all (deceased, inactive, opted out); the same at send time. */
export function patientMayBePrompted(
  campaign: Pick<Campaign, 'id' | 'category'>,
  facts: PatientFacts,
  now: Date,
  rules: OptOutRules,
): Extract<Decision, { kind: 'prompt' | 'skip' }> {
  const { patient } = facts;
  if (patient.deceasedBoolean === true || patient.deceasedDateTime)
    return { kind: 'skip', rule: 'deceased', reason: 'patient is deceased' };
  if (patient.active === false) return { kind: 'skip', rule: 'inactive', reason: 'patient record is inactive' };
  const optOut = optOutOf(facts, campaign, now, rules);
  return optOut ? { kind: 'skip', rule: 'opt-out', reason: optOutReason(optOut) } : { kind: 'prompt' };
}

/**
 * The first reason not to prompt, or `prompt`: the trigger, then whether the patient may be messaged at all, then
 * the campaign's criteria over the patient's record (`records`: what was loaded for the campaign).
 */
export function decide(
  campaign: Campaign,
  resource: TriggerResource,
  facts: PatientFacts & { records: readonly TriggerResource[] },
  now: Date,
  rules: OptOutRules,
  expansions: Expansions,
): Decision {
  // The resource may have been moved to another chart since the poll: never message the old one about it.
  if (patientIdOf(resource) !== facts.patient.id) return { kind: 'no-match', reason: 'the resource is not about this patient' };
  const trigger = triggerMatches(campaign, resource, now, expansions);
  if (trigger.kind !== 'prompt') return trigger;
  const patient = patientMayBePrompted(campaign, facts, now, rules);
  if (patient.kind !== 'prompt' || (!campaign.when && !campaign.exclude)) return patient;
  const verdict = judgeCriteria(campaign, facts, { now, expansions });
  if (verdict.kind === 'met') return { kind: 'prompt', criteria: verdict.explanation };
  return {
    kind: 'skip',
    rule: verdict.kind === 'excluded' ? 'excluded' : 'criteria',
    reason: verdict.reason,
    criteria: verdict.explanation,
  };
}
