/**
 * How careprompt reads a Consent's provisions (pure), whatever it looks for in them: an outreach opt-out
 * (opt-out.ts) or a permission to message results (results-preference.ts).
 *
 * A provision counts when it is in force (its period, and its parents', covers `now`) and names what the reader
 * looks for (in its code, action or purpose), or names nothing and inherits its parent's scope. Nested provisions
 * are exceptions to their parent, so the deepest provision that counts decides; among siblings a deny wins (an
 * unclear record never messages a patient who may have said no).
 */
import type { CodeableConcept, Coding, Consent, ConsentProvision } from '../fhir/index.ts';

export interface Ruling {
  type: 'deny' | 'permit';
  /** What the provision is about, in the reader's words (`all campaigns`, `results by message`). */
  scope: string;
}

/** The reader's scope for a set of codings (`system|code`), if they name what it looks for. */
export type ScopeOf = (codings: ReadonlySet<string>) => string | undefined;

/** What one reader looks for in a Consent. */
export interface ConsentReader {
  /** The scope of what a provision names. */
  named: ScopeOf;
  /** The scope a root provision naming nothing takes from the Consent's category (a Consent about messaging that just says "deny"). */
  category: ScopeOf;
}

/** The ruling of an active Consent's provisions, if one counts. */
export function consentRuling(consent: Consent, reader: ConsentReader, now: Date): Ruling | undefined {
  if (consent.status !== 'active' || !consent.provision) return undefined;
  return rulingOf(consent.provision, reader.category(new Set(codingsOf(consent.category ?? []))), reader.named, now);
}

function rulingOf(provision: ConsentProvision, inherited: string | undefined, scopeOf: ScopeOf, now: Date): Ruling | undefined {
  if (!inForce(provision, now)) return undefined;
  const named = new Set(codingsOf([...(provision.code ?? []), ...(provision.action ?? []), { coding: provision.purpose ?? [] }]));
  const scope = named.size === 0 ? inherited : scopeOf(named);
  const nested: Ruling[] = (provision.provision ?? []).flatMap((child) => rulingOf(child, scope, scopeOf, now) ?? []);
  const decisive = nested.find((ruling) => ruling.type === 'deny') ?? nested[0];
  if (decisive) return decisive;
  return scope && provision.type ? { type: provision.type, scope } : undefined;
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
