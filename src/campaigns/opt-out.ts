/**
 * Whether a patient has opted out of a campaign (pure): from the EHR, an active Consent whose provision denies
 * outreach messaging; or locally, an opt-out recorded with `careprompt patients opt-out`.
 *
 * A provision counts (consent-rulings.ts: in force, nesting, deny wins among siblings) when it names one of:
 *  - an outreach-messaging code (OPT_OUT_CONSENT_CODES) in its code, purpose or action: every campaign;
 *  - the campaign's communication category (`communication-category|reminder`): the campaigns of that category;
 *  - the campaign itself (`urn:careprompt:campaign|<id>`): that campaign.
 * A provision naming none of these inherits its parent's scope; the root inherits "every campaign" when the
 * Consent's category is an outreach-messaging code (a Consent about messaging that just says "deny"). Among
 * Consents a deny wins (an unclear record never messages a patient who may have said no).
 */
import type { Consent } from '../fhir/index.ts';
import { type ConsentReader, consentRuling } from './consent-rulings.ts';
import type { Campaign } from './schema.ts';

/** The system of the code that names one campaign in a Consent provision (code = the campaign id). */
export const CAMPAIGN_CODE_SYSTEM = 'urn:careprompt:campaign';
export const COMMUNICATION_CATEGORY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/communication-category';

/** An opt-out recorded in careprompt itself; `campaignId` null: every campaign. */
export interface LocalOptOut {
  patientRef: string;
  campaignId: string | null;
}

/** Why a patient is not to be prompted by a campaign. */
export interface OptOut {
  source: 'consent' | 'local';
  /** The Consent (`Consent/12`), or the patient's reference for a local opt-out. */
  ref: string;
  /** `all campaigns`, `category reminder`, or `campaign <id>`. */
  scope: string;
}

export interface OptOutFacts {
  consents: readonly Consent[];
  local: readonly LocalOptOut[];
}

/** What the rules need: the codings (`system|code`) that mean outreach messaging (OPT_OUT_CONSENT_CODES). */
export interface OptOutRules {
  outreachCodes: ReadonlySet<string>;
}

type Subject = Pick<Campaign, 'id' | 'category'>;

/** The first reason this campaign may not prompt the patient (local opt-outs first), or undefined. */
export function optOutOf(facts: OptOutFacts, campaign: Subject, now: Date, rules: OptOutRules): OptOut | undefined {
  const local = facts.local.find((optOut) => optOut.campaignId === null) ?? facts.local.find((optOut) => optOut.campaignId === campaign.id);
  if (local) return { source: 'local', ref: local.patientRef, scope: local.campaignId ? `campaign ${local.campaignId}` : 'all campaigns' };
  const reader = outreachReader(campaign, rules);
  for (const consent of facts.consents) {
    const ruling = consentRuling(consent, reader, now);
    if (ruling?.type === 'deny') return { source: 'consent', ref: `Consent/${consent.id}`, scope: ruling.scope };
  }
  return undefined;
}

/** How a local or Consent opt-out is written in a skipped prompt's reason and the audit. */
export function optOutReason(optOut: OptOut): string {
  return optOut.source === 'local' ? `opted-out: local, ${optOut.scope}` : `opted-out: consent ${optOut.ref}, ${optOut.scope}`;
}

/** A provision's scope for this campaign: the widest it names; a Consent's category of outreach messaging means every campaign. */
function outreachReader(campaign: Subject, rules: OptOutRules): ConsentReader {
  const outreach = (codings: ReadonlySet<string>) => [...codings].some((coding) => rules.outreachCodes.has(coding));
  return {
    named: (codings) => {
      if (outreach(codings)) return 'all campaigns';
      if (codings.has(`${COMMUNICATION_CATEGORY_SYSTEM}|${campaign.category}`)) return `category ${campaign.category}`;
      if (codings.has(`${CAMPAIGN_CODE_SYSTEM}|${campaign.id}`)) return `campaign ${campaign.id}`;
      return undefined;
    },
    category: (codings) => (outreach(codings) ? 'all campaigns' : undefined),
  };
}
