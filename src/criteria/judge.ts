/**
 * A campaign's `when:` and `exclude:` judged for one patient (pure): met, not met, or excluded, with the whole
 * explanation either way (stored with the prompt, shown by the dry run).
 */
import { type CriteriaScope, type Explanation, explain, type PatientRecord } from './explain.ts';
import type { Criterion, Exclusion } from './schema.ts';

export interface CriteriaExplanation {
  when?: Explanation;
  exclude?: Array<Explanation & { reason: string }>;
}

export type CriteriaVerdict =
  | { kind: 'met'; explanation: CriteriaExplanation }
  /** `reason`: `criteria not met: <the criterion that failed> (<what decided it>)`. */
  | { kind: 'not-met'; reason: string; explanation: CriteriaExplanation }
  /** `reason`: `excluded: <the exclusion's reason>`. */
  | { kind: 'excluded'; reason: string; explanation: CriteriaExplanation };

export function judgeCriteria(
  rules: { when?: Criterion | undefined; exclude?: readonly Exclusion[] | undefined },
  record: PatientRecord,
  scope: CriteriaScope,
): CriteriaVerdict {
  const when = rules.when ? explain(rules.when, record, scope) : undefined;
  const exclude = rules.exclude?.map(({ reason, ...criterion }) => ({ ...explain(criterion, record, scope), reason }));
  const explanation: CriteriaExplanation = { ...(when ? { when } : {}), ...(exclude ? { exclude } : {}) };
  // An exclusion is the stronger word: "never prompt" is reported even when `when` failed too.
  const excludedBy = exclude?.find((exclusion) => exclusion.held);
  if (excludedBy) return { kind: 'excluded', reason: `excluded: ${excludedBy.reason}`, explanation };
  if (when && !when.held) {
    const failed = firstFailure(when);
    return { kind: 'not-met', reason: `criteria not met: ${failed.criterion} (${failed.because})`, explanation };
  }
  return { kind: 'met', explanation };
}

/**
 * The criterion to name for a failure, in words that stand alone: down through `all of` to the first child that
 * failed; `any of` and `not` name what they hold over.
 */
function firstFailure(node: Explanation): Pick<Explanation, 'criterion' | 'because'> {
  const children = node.children ?? [];
  if (node.criterion === 'all of') {
    const child = children.find((candidate) => !candidate.held);
    return child ? firstFailure(child) : node;
  }
  if (node.criterion === 'any of')
    return { criterion: `any of: ${children.map((child) => child.criterion).join(' | ')}`, because: 'none held' };
  if (node.criterion === 'not' && children[0]) return { criterion: `not ${children[0].criterion}`, because: children[0].because };
  return node;
}
