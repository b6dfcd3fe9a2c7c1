/**
 * What the richer campaign language costs: the three criteria campaigns shipped in jobs/ (a cohort care gap with
 * `lacks`, a result-value trigger, an Encounter trigger, with exclusions and value sets) against the three
 * single-trigger ones, each set alone on a fresh FHIR server with the same population, alternately. Each run is
 * followed by a quiet re-run: the criteria campaigns' polls add a change search per record type their criteria
 * read, which must stay a few requests. Figures are per prompt decided (a row written: sent, held or skipped),
 * since the blood-pressure campaign holds every prompt for review and sends none.
 */
import { loadCampaigns } from '../src/campaigns/index.ts';
import { applyCampaigns, type Db, eraseAllData } from '../src/store/index.ts';
import type { PipelineFigures, RunTarget } from './pipeline-run.ts';
import type { FhirServerProcess } from './processes.ts';
import { STRICT_ORDER } from './strict-overhead.ts';

export const SINGLE_TRIGGER_CAMPAIGNS = ['wound-care-after-sutures', 'new-medication-check-in', 'diabetes-self-management'] as const;
export const CRITERIA_CAMPAIGNS = ['hba1c-care-gap', 'blood-pressure-follow-up', 'after-ed-visit'] as const;

export interface CampaignSetRun {
  criteria: boolean;
  pipeline: PipelineFigures;
  quiet: PipelineFigures;
  /** Rows written by the first run: sent, held for review and skipped (with their reasons). */
  decided: number;
}

export interface CriteriaCampaigns {
  patients: number;
  runs: CampaignSetRun[];
}

export async function measureCriteriaCampaigns(
  db: Db,
  patients: number,
  fresh: () => Promise<{ fhir: FhirServerProcess; target: RunTarget }>,
  measure: (target: RunTarget, label: string) => Promise<PipelineFigures>,
): Promise<CriteriaCampaigns> {
  const runs: CampaignSetRun[] = [];
  const all = await loadCampaigns('jobs');
  for (const [index, criteria] of STRICT_ORDER.entries()) {
    const { fhir, target } = await fresh();
    try {
      const ids: readonly string[] = criteria ? CRITERIA_CAMPAIGNS : SINGLE_TRIGGER_CAMPAIGNS;
      await eraseAllData(db);
      await applyCampaigns(
        db,
        all.filter((loaded) => ids.includes(loaded.campaign.id)),
        'bench',
      );
      const label = `${criteria ? 'criteria' : 'single-trigger'} campaigns (run ${index + 1})`;
      const pipeline = await measure(target, label);
      const decided = await db.prompt.count();
      const quiet = await measure(target, `${label}, quiet re-run`);
      runs.push({ criteria, pipeline, quiet, decided });
    } finally {
      await fhir.stop();
    }
  }
  return { patients, runs };
}
