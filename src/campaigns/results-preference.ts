/**
 * Whether a patient has chosen to receive their results by portal message (pure): the condition on which a
 * `resultsMessaging: patient-preference` campaign may message a result without a clinician's review.
 *
 * Two sources:
 *  - locally, the preference recorded with `careprompt patients results-by-message yes|no` (or the API, or the
 *    console): the patient's latest word, so when recorded it decides, whatever the EHR says;
 *  - from the EHR, the patient's active Consents whose provisions name a results-by-message code
 *    (RESULTS_CONSENT_CODES) and are in force (consent-rulings.ts): a permit is a yes, and a deny (nested, or in
 *    another Consent) wins over any permit.
 * Neither: no preference, which a campaign reads as "not by message".
 */
import type { Consent } from '../fhir/index.ts';
import { type ConsentReader, consentRuling } from './consent-rulings.ts';
import type { Campaign } from './schema.ts';

/** A preference recorded in careprompt itself. */
export interface LocalResultsPreference {
  patientRef: string;
  byMessage: boolean;
}

export interface ResultsPreferenceFacts {
  consents: readonly Consent[];
  localResults?: LocalResultsPreference | undefined;
}

/** What the rules need: the codings (`system|code`) that mean results by message (RESULTS_CONSENT_CODES). */
export interface ResultsPreferenceRules {
  consentCodes: ReadonlySet<string>;
}

/** The patient's preference and where it comes from: the Consent (`Consent/12`) or the patient's reference. */
export interface ResultsPreference {
  byMessage: boolean;
  source: 'local' | 'consent';
  ref: string;
}

const SCOPE = 'results by message';

export function resultsPreferenceOf(
  facts: ResultsPreferenceFacts,
  now: Date,
  rules: ResultsPreferenceRules,
): ResultsPreference | undefined {
  const local = facts.localResults;
  if (local) return { byMessage: local.byMessage, source: 'local', ref: local.patientRef };
  const named = (codings: ReadonlySet<string>) => ([...codings].some((coding) => rules.consentCodes.has(coding)) ? SCOPE : undefined);
  const reader: ConsentReader = { named, category: named };
  const rulings = facts.consents.flatMap((consent) => {
    const ruling = consentRuling(consent, reader, now);
    return ruling ? [{ byMessage: ruling.type === 'permit', source: 'consent' as const, ref: `Consent/${consent.id}` }] : [];
  });
  return rulings.find((preference) => !preference.byMessage) ?? rulings[0];
}

/**
 * Why this campaign's prompt to this patient is held for review by the results rule, as its row's reason says:
 * a campaign about a result value with `resultsMessaging: patient-preference` sends unreviewed only to patients
 * who said yes. Undefined: the rule holds nothing (`review: required` holds every prompt on its own).
 */
export function resultsHoldReason(
  campaign: Pick<Campaign, 'trigger' | 'resultsMessaging'>,
  facts: ResultsPreferenceFacts,
  now: Date,
  rules: ResultsPreferenceRules,
): string | undefined {
  if (!campaign.trigger?.value || campaign.resultsMessaging !== 'patient-preference') return undefined;
  const preference = resultsPreferenceOf(facts, now, rules);
  if (!preference) return 'held for review: no results-by-message preference';
  if (preference.byMessage) return undefined;
  return `held for review: results by message declined (${preference.source === 'local' ? 'local' : `consent ${preference.ref}`})`;
}
