import { describe, expect, it } from 'vitest';
import type { Campaign, LocalOptOut, PatientFacts } from '../../src/campaigns/index.ts';
import { Consent, type Patient } from '../../src/fhir/index.ts';
import { type ClaimedPrompt, decideSend, SEND_RULES, type SendDecision, type SendRule } from '../../src/pipeline/index.ts';

const HOUR = 3_600_000;
const NOW = new Date('2026-03-02T15:00:00.000Z');
const hoursAgo = (hours: number) => new Date(NOW.getTime() - hours * HOUR);
const OUTREACH = { system: 'urn:careprompt:consent', code: 'outreach-messaging' };
const optOutRules = { outreachCodes: new Set([`${OUTREACH.system}|${OUTREACH.code}`]) };

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
}

function prompt(change: Change): ClaimedPrompt {
  const campaign = {
    id: 'wound-care',
    category: 'instruction',
    active: change.active ?? true,
    review: change.review ?? 'none',
  } as Campaign;
  return {
    patientRef: 'Patient/p1',
    reviewedBy: change.reviewedBy ?? null,
    queuedAtMs: (change.queuedAt ?? hoursAgo(1)).getTime(),
    notBefore: change.notBefore ?? null,
    campaign,
  } as ClaimedPrompt;
}

function patientOf(change: Change): PatientFacts | 'gone' {
  if (change.patient === 'gone') return 'gone';
  return { patient: { resourceType: 'Patient', id: 'p1', ...change.patient }, consents: change.consents ?? [], local: change.local ?? [] };
}

const inputOf = (change: Change) => ({
  prompt: prompt(change),
  now: NOW,
  expireAfterMs: 48 * HOUR,
  patient: patientOf(change),
  optOutRules,
});

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
  ])('%s', (_, change, decision) => {
    expect(decideSend(inputOf(change))).toEqual(decision);
  });

  it('takes the first objection of the rules, in their order', () => {
    const until = new Date(NOW.getTime() + HOUR);
    const quiet: SendRule = () => ({ kind: 'defer', rule: 'window', until, reason: 'quiet hours' });
    expect(decideSend(inputOf({}), [...SEND_RULES, quiet])).toEqual({ kind: 'defer', rule: 'window', until, reason: 'quiet hours' });
    expect(decideSend(inputOf({ active: false }), [...SEND_RULES, quiet])).toEqual(deactivated);
  });
});
