/**
 * Send-time policy: whether a claimed prompt goes out now (pure). A prompt was decided when its candidate was
 * evaluated; by the time it is sent its campaign may have changed, the patient may have died, been made
 * inactive or opted out, or it may have waited too long. Each rule looks at the prompt, its campaign as it
 * stands now, the patient as the EHR and careprompt have them now, and the time, and either objects or lets it
 * pass; the first objection, in rule order, decides. Each objection names its rule, which the audit records.
 * Rules that postpone rather than forbid (quiet hours, frequency caps) answer `defer`.
 */

import {
  type OptOutRules,
  type PatientFacts,
  patientMayBePrompted,
  type ResultsPreferenceFacts,
  type ResultsPreferenceRules,
  resultsHoldReason,
  triggerObjection,
} from '../campaigns/index.ts';
import type { Expansions } from '../criteria/index.ts';
import { judgeCriteria } from '../criteria/index.ts';
import { patientIdOf } from '../fhir/index.ts';
import type { TriggerResource } from '../triggers/index.ts';
import type { ClaimedPrompt } from './ports.ts';
import { type SlotFacts, slotObjection, windowObjection } from './slot-rules.ts';

export type SendDecision =
  | { kind: 'send' }
  /** Must not go out at all: recorded as skipped, with the rule and reason. */
  | { kind: 'withdraw'; rule: string; reason: string }
  /** A clinician must approve it first: back to the review queue (`reason` when more than the campaign's review). */
  | { kind: 'hold'; rule: 'review'; reason?: string }
  /** Not now: sent again at `until`, its expiry then counting from `until`. */
  | { kind: 'defer'; rule: string; until: Date; reason: string };

/**
 * The patient as read for a send batch: the Patient, their Consents, local opt-outs and results preference, and the
 * records the batch's campaigns' criteria read (none when no campaign of the batch has criteria).
 */
export type PatientNow = PatientFacts & Pick<ResultsPreferenceFacts, 'localResults'> & { records: readonly TriggerResource[] };

export interface SendRuleInput {
  prompt: ClaimedPrompt;
  now: Date;
  /** How long a prompt may wait between becoming sendable and being sent (PROMPT_EXPIRY_HOURS). */
  expireAfterMs: number;
  /** The prompt's send window, its patient's time zone, the caps and the patient's other messages. */
  slots: SlotFacts;
  /** The patient as read for this send batch; `gone` when the server no longer has them. */
  patient: PatientNow | 'gone';
  /** The records the batch's prompts are about, read again, by reference; one gone (or malformed) is missing. */
  triggers: ReadonlyMap<string, TriggerResource>;
  /** What a Consent must name to opt out (OPT_OUT_CONSENT_CODES). */
  optOutRules: OptOutRules;
  /** What a Consent must name to permit results by message (RESULTS_CONSENT_CODES). */
  resultsRules: ResultsPreferenceRules;
  /** The value sets the batch's campaigns name, expanded now. */
  expansions: Expansions;
}

/** One rule: an objection, or undefined when the rule has none. */
export type SendRule = (input: SendRuleInput) => Exclude<SendDecision, { kind: 'send' }> | undefined;

export const campaignDeactivated: SendRule = ({ prompt }) =>
  prompt.campaign.active ? undefined : { kind: 'withdraw', rule: 'campaign-inactive', reason: 'campaign deactivated before delivery' };

/** The Patient was deleted or merged away since the decision: there is no one to message. */
export const patientGone: SendRule = ({ patient }) =>
  patient === 'gone' ? { kind: 'withdraw', rule: 'patient-gone', reason: 'patient no longer found on the FHIR server' } : undefined;

/** Deceased, inactive or opted out since the decision (a deferred prompt may wait hours): the rules of decision time. */
export const patientNowExcluded: SendRule = ({ prompt, patient, now, optOutRules }) => {
  if (patient === 'gone') return undefined;
  const verdict = patientMayBePrompted(prompt.campaign, patient, now, optOutRules);
  return verdict.kind === 'skip' ? { kind: 'withdraw', rule: verdict.rule, reason: verdict.reason } : undefined;
};

/**
 * The record the prompt is about, read again: a procedure entered in error, a prescription stopped, a result
 * corrected below the threshold, or a record moved to another chart while the prompt waited. Withdrawn even when a
 * clinician approved it: "how is the new metformin going?" must not follow a stopped prescription.
 */
export const triggerNoLongerHolds: SendRule = ({ prompt, triggers, expansions }) => {
  for (const triggerRef of prompt.triggerRefs) {
    const objection = triggerObjectionNow(prompt, triggers.get(triggerRef), expansions);
    if (objection) return { kind: 'withdraw', rule: 'trigger', reason: `${triggerRef} no longer holds: ${objection}` };
  }
  return undefined;
};

function triggerObjectionNow(prompt: ClaimedPrompt, resource: TriggerResource | undefined, expansions: Expansions): string | undefined {
  if (!resource) return 'no longer found on the FHIR server';
  if (`Patient/${patientIdOf(resource)}` !== prompt.patientRef) return 'now recorded for another patient';
  return triggerObjection(prompt.campaign, resource, expansions);
}

/**
 * The campaign's criteria judged again on the record as it is now: a care gap closed while its prompt waited (a new
 * HbA1c), a hospice admission or a pregnancy recorded meanwhile. Withdrawn even when a clinician approved it: the
 * facts it was written for are gone. The skip is decided again if the record changes back.
 */
export const criteriaNoLongerHold: SendRule = ({ prompt, patient, now, expansions }) => {
  if (patient === 'gone' || (!prompt.campaign.when && !prompt.campaign.exclude)) return undefined;
  const verdict = judgeCriteria(prompt.campaign, patient, { now, expansions });
  if (verdict.kind === 'met') return undefined;
  return { kind: 'withdraw', rule: verdict.kind === 'excluded' ? 'excluded' : 'criteria', reason: verdict.reason };
};

/** The campaign may have started to require review after this prompt was written without one. */
export const reviewNowRequired: SendRule = ({ prompt }) =>
  prompt.campaign.review === 'required' && !prompt.reviewedBy ? { kind: 'hold', rule: 'review' } : undefined;

/** A result queued because the patient chose results by message, who has since taken it back: a clinician decides. */
export const resultsNoLongerChosen: SendRule = ({ prompt, patient, now, resultsRules }) => {
  const reason = patient !== 'gone' && !prompt.reviewedBy ? resultsHoldReason(prompt.campaign, patient, now, resultsRules) : undefined;
  return reason ? { kind: 'hold', rule: 'review', reason } : undefined;
};

/** A message about "your stitches" must not arrive a week late; the wait counts from when it became sendable. */
export const expired: SendRule = ({ prompt, now, expireAfterMs }) =>
  isExpired(prompt, now, expireAfterMs)
    ? { kind: 'withdraw', rule: 'expired', reason: `expired: not delivered within ${expireAfterMs / 3_600_000} hours` }
    : undefined;

/** Quiet hours in the patient's time: a deferred prompt may have waited for hours; the window is read again. */
export const outsideWindow: SendRule = ({ slots, now }) => windowObjection(slots, now);

/**
 * Frequency caps across campaigns, with the patient's messages read under a lock per patient (send.ts), so
 * concurrent senders never exceed them: deferred to the next slot, or withdrawn if it would expire first.
 */
export const overCap: SendRule = ({ prompt, slots, now, expireAfterMs }) =>
  slotObjection(
    slots,
    { promptId: prompt.idempotencyKey, priority: prompt.priority, queuedAt: prompt.queuedAtMs, exempt: prompt.campaign.exemptFromCaps },
    now,
    expireAfterMs,
  );

/** Today's rules, in order: what forbids first, then what postpones. */
export const SEND_RULES: readonly SendRule[] = [
  campaignDeactivated,
  patientGone,
  patientNowExcluded,
  triggerNoLongerHolds,
  criteriaNoLongerHold,
  reviewNowRequired,
  resultsNoLongerChosen,
  expired,
  outsideWindow,
  overCap,
];

export function decideSend(input: SendRuleInput, rules: readonly SendRule[] = SEND_RULES): SendDecision {
  for (const rule of rules) {
    const objection = rule(input);
    if (objection) return objection;
  }
  return { kind: 'send' };
}

/** Whether the prompt waited longer than `expireAfterMs` (PROMPT_EXPIRY_HOURS) since it became sendable. */
export function isExpired(prompt: Pick<ClaimedPrompt, 'queuedAtMs' | 'notBefore'>, now: Date, expireAfterMs: number): boolean {
  return now.getTime() - sendableSince(prompt) > expireAfterMs;
}

/**
 * When the prompt could first have gone out (epoch ms): the later of when it was queued and its not-before time.
 * Approval queues it anew but leaves a not-before time long past: the expiry then counts from the approval.
 */
export function sendableSince(prompt: Pick<ClaimedPrompt, 'queuedAtMs' | 'notBefore'>): number {
  return Math.max(prompt.queuedAtMs, prompt.notBefore?.getTime() ?? Number.NEGATIVE_INFINITY);
}
