/**
 * What quiet hours and frequency caps cost: the same pipeline run against a fresh FHIR server with the rules off
 * (SEND_WINDOW always, FREQUENCY_CAP none) and on, alternately (as the strict section does, for the same reason).
 * The window is open around the clock but still read in each patient's zone, so every prompt pays for the check
 * at decision and at send without being held back by the hour the bench runs at; the caps bite for patients in
 * more than one campaign, whose other prompts are deferred (fewer messages sent, so figures per match are shown
 * beside those per message). FHIR requests per match must not change: the rules read no more of the EHR.
 */
import type { Db } from '../src/store/index.ts';
import type { PipelineFigures, RunTarget } from './pipeline-run.ts';
import type { FhirServerProcess } from './processes.ts';
import { STRICT_ORDER } from './strict-overhead.ts';

export const RULES_ENV = { SEND_WINDOW: '00:00-24:00', FREQUENCY_CAP: '1/P1D,3/P7D' } as const;
const RULES_OFF = { SEND_WINDOW: 'always', FREQUENCY_CAP: 'none' } as const;

export interface RulesRun {
  rules: boolean;
  pipeline: PipelineFigures;
  /** Prompts left queued with a not-before time, and prompts withdrawn as capped. */
  deferred: number;
  capped: number;
}

export interface RulesOverhead {
  patients: number;
  runs: RulesRun[];
}

export async function measureRulesOverhead(
  db: Db,
  patients: number,
  fresh: () => Promise<{ fhir: FhirServerProcess; target: RunTarget }>,
  measure: (target: RunTarget, label: string) => Promise<PipelineFigures>,
): Promise<RulesOverhead> {
  const runs: RulesRun[] = [];
  for (const [index, rules] of STRICT_ORDER.entries()) {
    const { fhir, target } = await fresh();
    try {
      const env = { ...target.env, ...(rules ? RULES_ENV : RULES_OFF) };
      const pipeline = await measure({ ...target, env }, `rules ${rules ? 'on' : 'off'} (run ${index + 1})`);
      const deferred = await db.prompt.count({ where: { status: 'queued', notBefore: { not: null } } });
      const capped = await db.prompt.count({ where: { status: 'skipped', reason: { startsWith: 'capped:' } } });
      runs.push({ rules, pipeline, deferred, capped });
    } finally {
      await fhir.stop();
    }
  }
  return { patients, runs };
}

/** FHIR requests (searches, reads, creates) per message sent. */
export function requestsPerMessage(run: PipelineFigures): number | undefined {
  const { searchPages, reads, creates } = run.fhirRequests;
  return run.sent === 0 ? undefined : (searchPages + reads + creates) / run.sent;
}
