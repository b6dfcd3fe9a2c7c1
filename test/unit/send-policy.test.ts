import { describe, expect, it } from 'vitest';
import type { Campaign, LocalOptOut } from '../../src/campaigns/index.ts';
import { Consent, type Patient } from '../../src/fhir/index.ts';
import { type ClaimedPrompt, decideSend, type PatientNow, SEND_RULES, type SendDecision, type SendRule } from '../../src/pipeline/index.ts';
import {
  ALWAYS_OPEN,
  type FrequencyCap,
  type PatientMessage,
  parseFrequencyCaps,
  parseSendWindow,
  type SendWindow,
} from '../../src/schedule/index.ts';
import type { TriggerResource } from '../../src/triggers/index.ts';

const HOUR = 3_600_000;
// Monday 10:00 in New York (UTC-5).
const NOW = new Date('2026-03-02T15:00:00.000Z');
const hoursAgo = (hours: number) => new Date(NOW.getTime() - hours * HOUR);
const OUTREACH = { system: 'urn:careprompt:consent', code: 'outreach-messaging' };
const DAYTIME = parseSendWindow('09:00-20:00') as SendWindow;
const CAPS = parseFrequencyCaps('1/P1D,3/P7D') as FrequencyCap[];
const optOutRules = { outreachCodes: new Set([`${OUTREACH.system}|${OUTREACH.code}`]) };
const resultsRules = { consentCodes: new Set(['urn:careprompt:consent|results-by-message']) };

interface Change {
  active?: boolean;
  review?: 'none' | 'required';
  reviewedBy?: string;
  queuedAt?: Date;
  notBefore?: Date;
  /** The patient now: changes to an alive, active Patient/p1 with no opt-outs, or gone. */
  patient?: Partial<Patient> | 'gone';
  consents?: Consent[];
  local?: LocalOptOut[];
  /** A result-value campaign sent by the patient's preference (resultsMessaging: patient-preference). */
  result?: boolean;
  /** The patient's local word on results by message, now. */
  resultsByMessage?: boolean;
  sendWindow?: string;
  exemptFromCaps?: boolean;
  priority?: number;
  timezone?: string;
  /** The patient's other messages. */
  messages?: PatientMessage[];
  /** A care-gap campaign (no HbA1c within 180 days, hospice excluded), and the patient's records now. */
  careGap?: boolean;
  records?: TriggerResource[];
  /** The record the prompt is about as the server has it now (unchanged when absent), or gone from the chart. */
  trigger?: TriggerResource | 'gone';
  now?: Date;
}

const HBA1C = 'http://loinc.org|4548-4';
const HOSPICE = 'http://snomed.info/sct|385763009';
const CARE_GAP = {
  when: { lacks: { resource: 'Observation', codes: [HBA1C], status: ['final'], within: 'P180D' } },
  exclude: [{ reason: 'hospice care', has: { resource: 'Procedure', codes: [HOSPICE] } }],
};
const subject = { reference: 'Patient/p1' };
const hba1cOn = (date: string): TriggerResource => ({
  resourceType: 'Observation',
  id: 'a1c',
  status: 'final',
  subject,
  code: { coding: [{ system: 'http://loinc.org', code: '4548-4' }] },
  effectiveDateTime: date,
});
const hospice: TriggerResource = {
  resourceType: 'Procedure',
  id: 'hospice',
  status: 'completed',
  subject,
  code: { coding: [{ system: 'http://snomed.info/sct', code: '385763009' }] },
  performedDateTime: '2026-03-01',
};

const SUTURES_TRIGGER = { resource: 'Procedure', codes: ['http://snomed.info/sct|18557009'], status: ['completed'] };
const sutures: TriggerResource = {
  resourceType: 'Procedure',
  id: 'sutures',
  status: 'completed',
  subject,
  code: { coding: [{ system: 'http://snomed.info/sct', code: '18557009' }] },
  performedDateTime: '2026-03-01',
};
const HIGH_HBA1C_TRIGGER = { resource: 'Observation', codes: [HBA1C], status: ['final', 'corrected'], value: { ge: 9, unit: '%' } };
const hba1cOf = (value: number, status = 'final'): TriggerResource => ({
  ...hba1cOn('2026-03-01'),
  id: 'a1c-high',
  status,
  valueQuantity: { value, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
});

function prompt(change: Change): ClaimedPrompt {
  const campaign = {
    id: 'wound-care',
    category: 'instruction',
    active: change.active ?? true,
    review: change.review ?? 'none',
    exemptFromCaps: change.exemptFromCaps ?? false,
    trigger: SUTURES_TRIGGER,
    ...(change.careGap ? CARE_GAP : {}),
    ...(change.result ? { trigger: HIGH_HBA1C_TRIGGER, resultsMessaging: 'patient-preference' } : {}),
    ...(change.sendWindow ? { sendWindow: change.sendWindow } : {}),
  } as Campaign;
  return {
    id: 'prompt-1',
    triggerRefs: [change.result ? 'Observation/a1c-high' : 'Procedure/sutures'],
    idempotencyKey: 'key-1',
    patientRef: 'Patient/p1',
    priority: change.priority ?? 0,
    timezone: change.timezone ?? null,
    reviewedBy: change.reviewedBy ?? null,
    queuedAtMs: (change.queuedAt ?? hoursAgo(1)).getTime(),
    notBefore: change.notBefore ?? null,
    campaign,
  } as ClaimedPrompt;
}

function patientOf(change: Change): PatientNow | 'gone' {
  if (change.patient === 'gone') return 'gone';
  return {
    patient: { resourceType: 'Patient', id: 'p1', ...change.patient },
    consents: change.consents ?? [],
    local: change.local ?? [],
    records: change.records ?? [],
    ...(change.resultsByMessage === undefined ? {} : { localResults: { patientRef: 'Patient/p1', byMessage: change.resultsByMessage } }),
  };
}

function triggerNow(change: Change): TriggerResource[] {
  if (change.trigger === 'gone') return [];
  return [change.trigger ?? (change.result ? hba1cOf(9.4) : sutures)];
}

const inputOf = (change: Change) => ({
  prompt: prompt(change),
  now: change.now ?? NOW,
  expireAfterMs: 48 * HOUR,
  patient: patientOf(change),
  triggers: new Map(triggerNow(change).map((resource) => [`${resource.resourceType}/${resource.id}`, resource])),
  optOutRules,
  resultsRules,
  expansions: new Map(),
  slots: {
    window: change.sendWindow ? (parseSendWindow(change.sendWindow) as SendWindow) : DAYTIME,
    timezone: change.timezone ?? 'America/New_York',
    caps: CAPS,
    messages: change.messages ?? [],
  },
});

const sent = (hours: number, promptId = 'other'): PatientMessage => ({
  promptId,
  state: 'sent',
  at: hoursAgo(hours).getTime(),
  priority: 0,
  queuedAt: hoursAgo(hours + 1).getTime(),
});
const waiting = (priority: number, queuedHoursAgo: number): PatientMessage => ({
  promptId: `waiting-${priority}`,
  state: 'waiting',
  priority,
  queuedAt: hoursAgo(queuedHoursAgo).getTime(),
});
const at = (iso: string) => new Date(iso);
const defer = (rule: string, iso: string, reason: string): SendDecision => ({ kind: 'defer', rule, until: at(iso), reason });

const consent = (status: string) =>
  Consent.parse({
    resourceType: 'Consent',
    id: '12',
    status,
    patient: { reference: 'Patient/p1' },
    provision: { type: 'deny', code: [{ coding: [OUTREACH] }] },
  });

const withdraw = (rule: string, reason: string): SendDecision => ({ kind: 'withdraw', rule, reason });
const expired = withdraw('expired', 'expired: not delivered within 48 hours');
const deactivated = withdraw('campaign-inactive', 'campaign deactivated before delivery');
const hold: SendDecision = { kind: 'hold', rule: 'review' };
const send: SendDecision = { kind: 'send' };

describe('the send-time policy', () => {
  it.each<[string, Change, SendDecision]>([
    ['sends a fresh prompt of an active campaign', {}, send],
    ['withdraws when the campaign was deactivated', { active: false }, deactivated],
    ['holds for review when the campaign now requires it', { review: 'required' }, hold],
    ['sends a reviewed prompt of a campaign that requires review', { review: 'required', reviewedBy: 'dr-lee' }, send],
    ['withdraws a prompt queued longer ago than the expiry', { queuedAt: hoursAgo(49) }, expired],
    ['sends a prompt queued just within the expiry', { queuedAt: hoursAgo(48) }, send],
    ['counts the expiry from the not-before time when deferred', { queuedAt: hoursAgo(60), notBefore: hoursAgo(10) }, send],
    ['withdraws a deferred prompt that then waited past the expiry', { queuedAt: hoursAgo(80), notBefore: hoursAgo(49) }, expired],
    [
      'counts from the approval a prompt deferred before it was held and approved',
      { queuedAt: hoursAgo(1), notBefore: hoursAgo(72) },
      send,
    ],
    ['prefers withdrawing over holding (deactivated and now requiring review)', { active: false, review: 'required' }, deactivated],
    ['holds before it expires a prompt that needs review', { review: 'required', queuedAt: hoursAgo(49) }, hold],
    ['sends a result to a patient who still wants results by message', { result: true, resultsByMessage: true }, send],
    [
      'holds a result whose patient has since said no to results by message',
      { result: true, resultsByMessage: false },
      { ...hold, reason: 'held for review: results by message declined (local)' },
    ],
    [
      'holds a result whose patient no longer has a results-by-message preference',
      { result: true },
      { ...hold, reason: 'held for review: no results-by-message preference' },
    ],
    ['sends a reviewed result whatever the preference', { result: true, resultsByMessage: false, reviewedBy: 'dr-lee' }, send],
    [
      'withdraws when the patient is gone from the server',
      { patient: 'gone' },
      withdraw('patient-gone', 'patient no longer found on the FHIR server'),
    ],
    ['withdraws when the patient died since', { patient: { deceasedDateTime: '2026-03-01' } }, withdraw('deceased', 'patient is deceased')],
    ['withdraws when the record was made inactive', { patient: { active: false } }, withdraw('inactive', 'patient record is inactive')],
    ['sends to a patient whose record says active', { patient: { active: true } }, send],
    [
      'withdraws when a Consent opting out was added since',
      { consents: [consent('active')] },
      withdraw('opt-out', 'opted-out: consent Consent/12, all campaigns'),
    ],
    ['sends when that Consent is no longer active', { consents: [consent('inactive')] }, send],
    [
      'withdraws when the patient opted out locally of every campaign',
      { local: [{ patientRef: 'Patient/p1', campaignId: null }] },
      withdraw('opt-out', 'opted-out: local, all campaigns'),
    ],
    [
      'withdraws when the patient opted out locally of this campaign',
      { local: [{ patientRef: 'Patient/p1', campaignId: 'wound-care' }] },
      withdraw('opt-out', 'opted-out: local, campaign wound-care'),
    ],
    ['sends when the local opt-out is of another campaign', { local: [{ patientRef: 'Patient/p1', campaignId: 'other' }] }, send],
    [
      'withdraws an opted-out prompt rather than holding it for review',
      { review: 'required', local: [{ patientRef: 'Patient/p1', campaignId: null }] },
      withdraw('opt-out', 'opted-out: local, all campaigns'),
    ],
    ['withdraws for the campaign first, then for the patient', { active: false, patient: 'gone' }, deactivated],
    [
      'defers a prompt outside the window to its opening in the patient’s time (Berlin: 16:00, window 08:00-12:00)',
      { timezone: 'Europe/Berlin', sendWindow: '08:00-12:00' },
      defer('window', '2026-03-03T07:00:00.000Z', 'window: outside 08:00-12:00 in Europe/Berlin; not before 2026-03-03T07:00:00.000Z'),
    ],
    [
      'reads the window of the campaign, not the default',
      { sendWindow: '22:00-06:00' },
      defer('window', '2026-03-03T03:00:00.000Z', 'window: outside 22:00-06:00 in America/New_York; not before 2026-03-03T03:00:00.000Z'),
    ],
    ['sends inside a window crossing midnight', { sendWindow: '22:00-06:00', now: at('2026-03-03T09:00:00.000Z') }, send],
    [
      'withdraws an opted-out patient’s prompt rather than deferring it to the window',
      { sendWindow: '22:00-06:00', local: [{ patientRef: 'Patient/p1', campaignId: null }] },
      withdraw('opt-out', 'opted-out: local, all campaigns'),
    ],
    ['sends when the patient had a message more than a day ago', { messages: [sent(25)] }, send],
    [
      'defers to when the day’s message leaves the day',
      { messages: [sent(0.5)] },
      defer('cap', '2026-03-03T14:30:00.000Z', 'cap: 1/P1D reached; not before 2026-03-03T14:30:00.000Z'),
    ],
    [
      'defers past quiet hours a slot that frees up at night',
      { messages: [sent(12)] },
      defer('cap', '2026-03-03T14:00:00.000Z', 'cap: 1/P1D reached; not before 2026-03-03T14:00:00.000Z'),
    ],
    [
      'defers to when the oldest of the week’s three leaves the week',
      { messages: [sent(6 * 24), sent(4 * 24, 'b'), sent(2 * 24, 'c')] },
      defer('cap', '2026-03-03T15:00:00.000Z', 'cap: 3/P7D reached; not before 2026-03-03T15:00:00.000Z'),
    ],
    [
      'withdraws a capped prompt whose slot comes after it expires',
      { queuedAt: hoursAgo(40), messages: [sent(6 * 24 - 30), sent(4 * 24, 'b'), sent(2 * 24, 'c')] },
      withdraw('cap', "capped: 3/P7D reached; the next slot, 2026-03-04T21:00:00.000Z, is past the prompt's expiry"),
    ],
    [
      'gives the slot to a waiting prompt of higher priority',
      { messages: [waiting(5, 0)] },
      defer('cap', '2026-03-03T15:00:00.000Z', 'cap: 1/P1D reached; not before 2026-03-03T15:00:00.000Z'),
    ],
    ['takes the slot before a waiting prompt of lower priority', { messages: [waiting(-1, 5)] }, send],
    ['takes the slot before a younger waiting prompt of the same priority', { queuedAt: hoursAgo(3), messages: [waiting(0, 2)] }, send],
    [
      'counts a message on its way (reserved by another sender)',
      { messages: [{ promptId: 'x', state: 'reserved', at: NOW.getTime(), priority: 0, queuedAt: hoursAgo(2).getTime() }] },
      defer('cap', '2026-03-03T15:00:00.000Z', 'cap: 1/P1D reached; not before 2026-03-03T15:00:00.000Z'),
    ],
    [
      'sends a care-gap prompt while the gap is still open (an HbA1c older than 180 days)',
      { careGap: true, records: [hba1cOn('2025-08-01')] },
      send,
    ],
    [
      'withdraws a care-gap prompt whose gap closed while it waited (a new HbA1c), even when approved',
      { careGap: true, review: 'required', reviewedBy: 'dr-lee', records: [hba1cOn('2026-03-01')] },
      {
        kind: 'withdraw',
        rule: 'criteria',
        reason: `criteria not met: lacks Observation ${HBA1C}, status final, within P180D (found Observation/a1c (2026-03-01))`,
      },
    ],
    [
      'withdraws a care-gap prompt of a patient admitted to hospice meanwhile',
      { careGap: true, records: [hospice] },
      { kind: 'withdraw', rule: 'excluded', reason: 'excluded: hospice care' },
    ],
    [
      'withdraws a prompt whose procedure was marked entered in error while it waited, even when approved',
      { review: 'required', reviewedBy: 'dr-lee', trigger: { ...sutures, status: 'entered-in-error' } },
      withdraw('trigger', 'Procedure/sutures no longer holds: status entered-in-error is not allowed'),
    ],
    [
      'withdraws a prompt whose record was deleted',
      { trigger: 'gone' },
      withdraw('trigger', 'Procedure/sutures no longer holds: no longer found on the FHIR server'),
    ],
    [
      "withdraws a prompt whose record was moved to another patient's chart",
      { trigger: { ...sutures, subject: { reference: 'Patient/p2' } } },
      withdraw('trigger', 'Procedure/sutures no longer holds: now recorded for another patient'),
    ],
    [
      'withdraws a result corrected below the threshold while it waited',
      { result: true, resultsByMessage: true, trigger: hba1cOf(8.1, 'corrected') },
      withdraw('trigger', 'Observation/a1c-high no longer holds: 8.1 % is not ≥ 9 %'),
    ],
    [
      'sends a result corrected but still over the threshold',
      { result: true, resultsByMessage: true, trigger: hba1cOf(9.8, 'corrected') },
      send,
    ],
    [
      'withdraws for the patient before the record (inactive, and the procedure gone)',
      { patient: { active: false }, trigger: 'gone' },
      withdraw('inactive', 'patient record is inactive'),
    ],
    ['does not count its own earlier reservation', { messages: [{ ...sent(0, 'key-1'), state: 'reserved' }] }, send],
    [
      'sends a prompt of a campaign exempt from the caps',
      { exemptFromCaps: true, review: 'required', reviewedBy: 'dr-lee', messages: [sent(2)] },
      send,
    ],
    [
      'still keeps an exempt campaign’s prompt to the window',
      { exemptFromCaps: true, review: 'required', reviewedBy: 'dr-lee', now: at('2026-03-03T03:00:00.000Z') },
      defer('window', '2026-03-03T14:00:00.000Z', 'window: outside 09:00-20:00 in America/New_York; not before 2026-03-03T14:00:00.000Z'),
    ],
  ])('%s', (_, change, decision) => {
    expect(decideSend(inputOf(change))).toEqual(decision);
  });

  it('takes the first objection of the rules, in their order', () => {
    const until = new Date(NOW.getTime() + HOUR);
    const quiet: SendRule = () => ({ kind: 'defer', rule: 'window', until, reason: 'quiet hours' });
    const open = { ...inputOf({}), slots: { ...inputOf({}).slots, window: ALWAYS_OPEN } };
    expect(decideSend(open, [...SEND_RULES, quiet])).toEqual({ kind: 'defer', rule: 'window', until, reason: 'quiet hours' });
    expect(decideSend(inputOf({ active: false }), [...SEND_RULES, quiet])).toEqual(deactivated);
  });
});
