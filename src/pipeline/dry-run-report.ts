/**
 * What a dry run reports (`campaigns dry-run --json`, and the HTTP API's answer): the schema is the documented
 * shape. Outcomes, from the patient's side: `send` (would go out now), `review` (held for a clinician), `defer`
 * (would wait until `notBefore`) and `skip` (never sent, with the reason).
 */
import { z } from 'zod';

const count = z.number().int().nonnegative();

interface ExplanationNode {
  criterion: string;
  held: boolean;
  because: string;
  children?: ExplanationNode[] | undefined;
}
const Explanation: z.ZodType<ExplanationNode> = z.object({
  criterion: z.string(),
  held: z.boolean(),
  because: z.string(),
  children: z.array(z.lazy(() => Explanation)).optional(),
});

/** How the campaign's `when` and `exclude` were judged for the candidate (campaigns with criteria only). */
export const CriteriaFacts = z.object({
  when: Explanation.optional(),
  exclude: z.array(Explanation.and(z.object({ reason: z.string() }))).optional(),
});

const refs = { triggerRef: z.string(), patientRef: z.string(), criteria: CriteriaFacts.optional() };

/** One candidate (a matching trigger resource) and what would become of it. */
export const DryRunCandidate = z.discriminatedUnion('outcome', [
  z.object({ ...refs, outcome: z.literal('send') }),
  /** Held for a clinician; `reason` when a rule beyond `review: required` holds it (no results-by-message preference). */
  z.object({ ...refs, outcome: z.literal('review'), reason: z.string().optional() }),
  /** Would wait until `notBefore`, for `reason`. */
  z.object({ ...refs, outcome: z.literal('defer'), reason: z.string(), notBefore: z.iso.datetime() }),
  z.object({ ...refs, outcome: z.literal('skip'), reason: z.string() }),
]);
export type DryRunCandidate = z.infer<typeof DryRunCandidate>;

/** The EHR facts behind a prompt (the prompt's evidence): ids, status, date and codes, no patient data. */
export const TriggerFacts = z.object({
  reference: z.string(),
  status: z.string().nullable(),
  date: z.string().nullable(),
  codings: z.array(z.object({ system: z.string().nullable(), code: z.string().nullable(), display: z.string().nullable() })),
});
export type TriggerFacts = z.infer<typeof TriggerFacts>;

/** A message exactly as it would be written, with the EHR facts that triggered it. */
export const DryRunSample = z.object({
  triggerRef: z.string(),
  patientRef: z.string(),
  outcome: z.enum(['send', 'review', 'defer']),
  notBefore: z.iso.datetime().optional(),
  templateId: z.string(),
  language: z.string().optional(),
  trigger: TriggerFacts,
  text: z.string(),
});
export type DryRunSample = z.infer<typeof DryRunSample>;

export const DryRunCounts = z.object({
  send: count,
  review: count,
  /** By the time the prompts would go out, earliest first. */
  defer: z.array(z.object({ notBefore: z.iso.datetime(), count })),
  /** By reason, most frequent first; references in a reason are shortened to their type (`Consent/…`). */
  skip: z.array(z.object({ reason: z.string(), count })),
});
export type DryRunCounts = z.infer<typeof DryRunCounts>;

export const DryRunReport = z.object({
  campaignId: z.string(),
  /** A campaign file not applied yet, or the stored campaign of that id. */
  source: z.enum(['file', 'applied']),
  /** The reference time the campaign was evaluated at. */
  asOf: z.iso.datetime(),
  search: z.object({ pages: count, unusable: count }),
  matched: z.object({ candidates: count, patients: count }),
  counts: DryRunCounts,
  samples: z.array(DryRunSample),
  candidates: z.array(DryRunCandidate),
});
export type DryRunReport = z.infer<typeof DryRunReport>;

/** The counts of each outcome, deferrals by time and skips by reason. */
export function countOutcomes(candidates: readonly DryRunCandidate[]): DryRunCounts {
  const deferred = new Map<string, number>();
  const skipped = new Map<string, number>();
  const counts: DryRunCounts = { send: 0, review: 0, defer: [], skip: [] };
  for (const candidate of candidates) {
    if (candidate.outcome === 'defer') bump(deferred, candidate.notBefore);
    else if (candidate.outcome === 'skip') bump(skipped, reasonGroup(candidate.reason));
    else counts[candidate.outcome] += 1;
  }
  counts.defer = [...deferred].sort(([a], [b]) => a.localeCompare(b)).map(([notBefore, n]) => ({ notBefore, count: n }));
  counts.skip = [...skipped].sort(([a, m], [b, n]) => n - m || a.localeCompare(b)).map(([reason, n]) => ({ reason, count: n }));
  return counts;
}

/**
 * A reason naming a resource (`opted-out: consent Consent/12`) counts with the others of its kind; a criteria
 * skip counts by the criterion that failed, without what decided it for one patient (`(found Observation/12 …)`).
 */
export function reasonGroup(reason: string): string {
  if (reason.startsWith('criteria not met: ')) return reason.split(' (')[0] ?? reason;
  return reason.replace(/\b([A-Z][A-Za-z]+)\/[A-Za-z0-9.-]{1,64}/g, '$1/…');
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}
