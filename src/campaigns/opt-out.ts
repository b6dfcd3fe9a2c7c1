/**
 * Whether a patient has opted out of a campaign (pure): from the EHR, an active Consent whose provision denies
 * outreach messaging; or locally, an opt-out recorded with `careprompt patients opt-out`.
 *
 * A provision counts when it is in force (its period, and its parents', covers `now`) and names one of:
 *  - an outreach-messaging code (OPT_OUT_CONSENT_CODES) in its code, purpose or action: every campaign;
 *  - the campaign's communication category (`communication-category|reminder`): the campaigns of that category;
 *  - the campaign itself (`urn:careprompt:campaign|<id>`): that campaign.
 * A provision naming none of these inherits its parent's scope; the root inherits "every campaign" when the
 * Consent's category is an outreach-messaging code (a Consent about messaging that just says "deny"). Nested
 * provisions are exceptions to their parent, so the deepest provision that counts decides; among siblings and
 * among Consents a deny wins (an unclear record never messages a patient who may have said no).
 */
import type { CodeableConcept, Coding, Consent, ConsentProvision } from '../fhir/index.ts';
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
  for (const consent of facts.consents) {
    if (consent.status !== 'active' || !consent.provision) continue;
    const inherited = codingsOf(consent.category ?? []).some((coding) => rules.outreachCodes.has(coding)) ? 'all campaigns' : undefined;
    const ruling = rulingOf(consent.provision, inherited, campaign, now, rules);
    if (ruling?.type === 'deny') return { source: 'consent', ref: `Consent/${consent.id}`, scope: ruling.scope };
  }
  return undefined;
}

/** How a local or Consent opt-out is written in a skipped prompt's reason and the audit. */
export function optOutReason(optOut: OptOut): string {
  return optOut.source === 'local' ? `opted-out: local, ${optOut.scope}` : `opted-out: consent ${optOut.ref}, ${optOut.scope}`;
}

interface Ruling {
  type: 'deny' | 'permit';
  scope: string;
}

function rulingOf(
  provision: ConsentProvision,
  inherited: string | undefined,
  campaign: Subject,
  now: Date,
  rules: OptOutRules,
): Ruling | undefined {
  if (!inForce(provision, now)) return undefined;
  const scope = scopeNamed(provision, campaign, rules) ?? (namesNothing(provision) ? inherited : undefined);
  const nested: Ruling[] = (provision.provision ?? []).flatMap((child) => rulingOf(child, scope, campaign, now, rules) ?? []);
  const decisive = nested.find((ruling) => ruling.type === 'deny') ?? nested[0];
  if (decisive) return decisive;
  return scope && provision.type ? { type: provision.type, scope } : undefined;
}

/** The widest of the scopes the provision names for this campaign, if any. */
function scopeNamed(provision: ConsentProvision, campaign: Subject, rules: OptOutRules): string | undefined {
  const named = new Set(codingsOf([...(provision.code ?? []), ...(provision.action ?? []), { coding: provision.purpose ?? [] }]));
  if ([...named].some((coding) => rules.outreachCodes.has(coding))) return 'all campaigns';
  if (named.has(`${COMMUNICATION_CATEGORY_SYSTEM}|${campaign.category}`)) return `category ${campaign.category}`;
  if (named.has(`${CAMPAIGN_CODE_SYSTEM}|${campaign.id}`)) return `campaign ${campaign.id}`;
  return undefined;
}

function namesNothing(provision: ConsentProvision): boolean {
  return codingsOf([...(provision.code ?? []), ...(provision.action ?? []), { coding: provision.purpose ?? [] }]).length === 0;
}

function codingsOf(concepts: readonly CodeableConcept[]): string[] {
  return concepts.flatMap((concept) =>
    (concept.coding ?? []).flatMap((coding: Coding) => (coding.code ? [`${coding.system}|${coding.code}`] : [])),
  );
}

/**
 * A provision without a period is in force. An end given as a day lasts to that day's end (UTC); an unreadable
 * bound is read as open on that side, so a garbled date never lifts an opt-out.
 */
function inForce(provision: ConsentProvision, now: Date): boolean {
  const start = Date.parse(provision.period?.start ?? '');
  const endText = provision.period?.end ?? '';
  const end = Date.parse(endText) + (/^\d{4}-\d{2}-\d{2}$/.test(endText) ? DAY_MS : 0);
  return !(start > now.getTime()) && !(end <= now.getTime());
}

const DAY_MS = 86_400_000;
