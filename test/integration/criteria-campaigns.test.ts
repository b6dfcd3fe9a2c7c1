/**
 * The three criteria campaigns shipped in jobs/ (HbA1c care gap, blood-pressure follow-up, after an ED visit) run
 * once, with the clock held at the population's `asOf`, against real PostgreSQL, Redis and the FHIR test server
 * loaded with the synthetic population. Every prompt row is compared with test/support/expected-outcomes.ts, which
 * works the outcomes out from the generator's own records without src/criteria.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Campaign } from '../../src/campaigns/index.ts';
import { dryRunCampaign, type RunSummary } from '../../src/pipeline/index.ts';
import { campaignFigures } from '../../src/store/index.ts';
import { MRN_SYSTEM, populationRecords, seedPopulation } from '../../tools/demo/population.ts';
import { useTestEnvironment } from '../support/environment.ts';
import {
  ageOn,
  CRITERIA_CAMPAIGNS,
  CRITERIA_NOT_MET,
  type CriteriaCampaign,
  expectedOutcomes,
  type Outcome,
  outcomeCounts,
} from '../support/expected-outcomes.ts';
import { communications, type FhirJson, searchAll } from '../support/fhir-data.ts';
import { applyExampleCampaigns, createTestPipeline, type TestPipeline } from '../support/pipeline.ts';

const POPULATION = { patients: 200, seed: 21 };
const HOSPICE_CODES = new Set(['385763009', '305336008', '183919006']);

type PromptRow = {
  campaignId: string;
  patientRef: string;
  status: string;
  reason: string | null;
  evidence: unknown;
  renderedText: string | null;
};

/** A row as an expected outcome: a `criteria not met` reason is compared by its start (the rest explains it). */
function outcomeOf(row: PromptRow): Outcome {
  if (row.status !== 'skipped') return { status: row.status } as Outcome;
  const reason = row.reason ?? '';
  return { status: 'skipped', reason: reason.startsWith(CRITERIA_NOT_MET) ? CRITERIA_NOT_MET : reason };
}

describe('the criteria campaigns in jobs/ against a seeded population', () => {
  const env = useTestEnvironment();
  const asOf = new Date();
  const records = [...populationRecords({ ...POPULATION, asOf })];
  const expected = expectedOutcomes(records, asOf);
  let pipeline: TestPipeline;
  let first: RunSummary;
  let rows: PromptRow[];
  /** Patient reference → the synthetic patient's MRN (its identifier). */
  let mrnOf: Map<string, string>;

  beforeAll(async () => {
    await seedPopulation(env.fhir.baseUrl, { ...POPULATION, asOf });
    await applyExampleCampaigns(env.db, (loaded) => loaded, CRITERIA_CAMPAIGNS);
    pipeline = await createTestPipeline(env.db, env.fhir.baseUrl);
    pipeline.services.clock = () => asOf;
    first = await pipeline.run([...CRITERIA_CAMPAIGNS]);
    rows = await env.db.prompt.findMany({
      select: { campaignId: true, patientRef: true, status: true, reason: true, evidence: true, renderedText: true },
    });
    const patients = await searchAll(env.fhir.baseUrl, 'Patient?_count=500');
    mrnOf = new Map(
      patients.map((patient: FhirJson) => [
        `Patient/${patient.id}`,
        patient.identifier.find((identifier: FhirJson) => identifier.system === MRN_SYSTEM).value as string,
      ]),
    );
  });
  afterAll(() => pipeline?.close());

  const rowsOf = (campaignId: CriteriaCampaign) => rows.filter((row) => row.campaignId === campaignId);
  const expectedOf = (campaignId: CriteriaCampaign) => [...expected[campaignId].values()].flat();

  it('is seeded with every case the campaigns distinguish (so the comparisons below cannot pass empty)', () => {
    const counts = Object.fromEntries(CRITERIA_CAMPAIGNS.map((id) => [id, outcomeCounts(expectedOf(id))]));
    const skippedFor = ['patient is deceased', 'patient record is inactive', 'template value missing: patient.firstName'];
    for (const [id, prompted, reasons] of [
      ['hba1c-care-gap', 'sent', [CRITERIA_NOT_MET, 'excluded: hospice care', 'excluded: palliative care', ...skippedFor]],
      ['blood-pressure-follow-up', 'pending_review', ['excluded: pregnancy', 'excluded: hospice care', ...skippedFor]],
      ['after-ed-visit', 'sent', [CRITERIA_NOT_MET, 'excluded: hospice care', ...skippedFor]],
    ] as const) {
      expect(counts[id]?.[prompted], id).toBeGreaterThan(2);
      for (const reason of reasons) expect(counts[id]?.[`skipped: ${reason}`], `${id}: ${reason}`).toBeGreaterThan(0);
    }
    // The near misses are there too: a reading of exactly 160 and of 159 mm[Hg], readings in kPa, mistaken records.
    const readings = records.flatMap((patient) => patient.observations.filter((observation) => observation.coding.code === '8480-6'));
    expect(readings.some(({ value }) => value.value === 160 && value.unit === 'mm[Hg]')).toBe(true);
    expect(readings.some(({ value }) => value.value === 159)).toBe(true);
    expect(new Set(readings.filter(({ value }) => value.unit === 'kPa').map(({ value }) => value.value))).toEqual(new Set([22.7, 17.3]));
    expect(records.some((patient) => patient.observations.some((observation) => observation.status === 'entered-in-error'))).toBe(true);
    expect(records.some((patient) => patient.encounters.some((encounter) => encounter.status === 'in-progress'))).toBe(true);
    expect(records.some((patient) => patient.procedures.some((procedure) => procedure.status === 'entered-in-error'))).toBe(true);
  });

  it('records, per campaign, as many prompts of each outcome as the records call for', () => {
    const countsBy = (outcomesOf: (id: CriteriaCampaign) => Outcome[]) =>
      Object.fromEntries(CRITERIA_CAMPAIGNS.map((id) => [id, outcomeCounts(outcomesOf(id))]));
    expect(countsBy((id) => rowsOf(id).map(outcomeOf))).toEqual(countsBy(expectedOf));
    expect(first.totals.failed).toBe(0);
    const sent = CRITERIA_CAMPAIGNS.filter((id) => id !== 'blood-pressure-follow-up').flatMap((id) =>
      expectedOf(id).filter((outcome) => outcome.status === 'sent'),
    );
    expect(first.totals).toMatchObject({
      sent: sent.length,
      pendingReview: outcomeCounts(expectedOf('blood-pressure-follow-up')).pending_review,
    });
  });

  it('gives each patient the outcome their own records call for', () => {
    for (const id of CRITERIA_CAMPAIGNS) {
      const found = new Map<string, Outcome[]>();
      for (const row of rowsOf(id)) {
        const mrn = mrnOf.get(row.patientRef) ?? row.patientRef;
        found.set(mrn, [...(found.get(mrn) ?? []), outcomeOf(row)]);
      }
      expect(found, id).toEqual(expected[id]);
    }
  });

  it('explains every criteria skip and exclusion with the criteria tree in the evidence', () => {
    const explained = rows.filter((row) => row.reason?.startsWith(CRITERIA_NOT_MET) || row.reason?.startsWith('excluded: '));
    expect(explained.length).toBeGreaterThan(10);
    for (const row of explained) {
      expect((row.evidence as { criteria?: unknown }).criteria, `${row.campaignId} ${row.reason}`).toEqual(expect.any(Object));
    }
    // Every decision of the care gap records the versions of the value sets its codes came from.
    for (const row of rowsOf('hba1c-care-gap')) {
      expect((row.evidence as { valueSets?: unknown }).valueSets).toEqual([
        { url: 'urn:careprompt:valueset:hospice-snomed', version: '2026-12-01', source: 'file' },
        { url: 'urn:careprompt:valueset:palliative-care-snomed', version: '2026-12-01', source: 'file' },
      ]);
    }
    // A child with a diabetes diagnosis is outside the care gap's `when` (age), whether or not an HbA1c is on file.
    const children = new Set(records.filter((patient) => ageOn(patient.birthDate, asOf) < 18).map((patient) => patient.mrn));
    const childRows = rowsOf('hba1c-care-gap').filter((row) => children.has(mrnOf.get(row.patientRef) ?? ''));
    expect(childRows.length).toBeGreaterThan(0);
    for (const row of childRows) expect(row.reason).toMatch(new RegExp(`^${CRITERIA_NOT_MET}`));
  });

  it("counts criteria skips on the campaigns page by the criterion that failed, not by each patient's record", async () => {
    const figures = (await campaignFigures(env.db, asOf)).get('hba1c-care-gap');
    const byReason = figures?.last30Days.skippedByReason ?? {};
    const criteriaReasons = Object.keys(byReason).filter((reason) => reason.startsWith(CRITERIA_NOT_MET));
    expect(criteriaReasons.sort()).toEqual([
      'criteria not met: age 18+',
      'criteria not met: lacks Observation http://loinc.org|4548-4, http://loinc.org|17856-6, http://loinc.org|4549-2, status final/amended/corrected, within P180D',
    ]);
    const notMet = rowsOf('hba1c-care-gap').filter((row) => row.reason?.startsWith(CRITERIA_NOT_MET)).length;
    expect(criteriaReasons.reduce((sum, reason) => sum + (byReason[reason] ?? 0), 0)).toBe(notMet);
  });

  it('holds every blood-pressure prompt for review without printing the reading, and sends nothing for it', async () => {
    const held = rowsOf('blood-pressure-follow-up').filter((row) => row.status === 'pending_review');
    expect(held.length).toBeGreaterThan(2);
    for (const row of held) {
      expect(row.renderedText).toMatch(/blood pressure|presión arterial/);
      expect(row.renderedText).not.toMatch(/\b(1[5-9]\d|2[0-4]\d)\b|mm ?Hg|mm\[Hg\]|kPa|\b\d+\.\d\b/);
    }
    // Only the other two campaigns' prompts went out: one Communication each.
    const sent = rows.filter((row) => row.status === 'sent');
    expect(sent.every((row) => row.campaignId !== 'blood-pressure-follow-up')).toBe(true);
    expect(await communications(env.fhir.baseUrl)).toHaveLength(sent.length);
  });

  it("dry-runs the care gap with each candidate's criteria tree: criteria skips are decided again, the rest already handled", async () => {
    const campaign = (await pipeline.services.store.getCampaign('hba1c-care-gap'))?.campaign as Campaign;
    const report = await dryRunCampaign(campaign, pipeline.services, { source: 'applied', samples: 0 });
    const notMet = report.candidates.filter((candidate) => candidate.outcome === 'skip' && candidate.reason.startsWith(CRITERIA_NOT_MET));
    const recordedNotMet = rowsOf('hba1c-care-gap').filter((row) => row.reason?.startsWith(CRITERIA_NOT_MET));
    // By patient: the two candidates of a patient with two diabetes Conditions share one key per period, and when
    // they fall in different batches each is decided again (as the engine's second batch re-decides the row).
    const notMetPatients = [...new Set(notMet.map((candidate) => candidate.patientRef))].sort();
    expect(notMetPatients).toEqual(recordedNotMet.map((row) => row.patientRef).sort());
    for (const candidate of notMet) {
      expect(candidate.criteria?.when).toMatchObject({ criterion: 'all of', held: false });
      expect(candidate.criteria?.exclude?.map((exclusion) => exclusion.reason)).toEqual(['hospice care', 'palliative care']);
    }
    // Every other row is final (sent, or skipped for a reason that stays): its patient's candidates are already
    // handled. (A patient with two diabetes Conditions has two candidates and one key per period: the second candidate
    // is already handled whatever became of the first.)
    const settled = new Set(
      rowsOf('hba1c-care-gap')
        .filter((row) => !row.reason?.startsWith(CRITERIA_NOT_MET) && !row.reason?.startsWith('excluded: '))
        .map((row) => row.patientRef),
    );
    const handled = report.candidates.filter((candidate) => candidate.outcome === 'skip' && candidate.reason === 'already handled');
    const handledPatients = new Set(handled.map((candidate) => candidate.patientRef));
    expect([...settled].filter((patientRef) => !handledPatients.has(patientRef))).toEqual([]);
    expect(report.candidates.filter((candidate) => candidate.criteria && settled.has(candidate.patientRef))).toEqual([]);
  });

  it('adds nothing when run again in the same period', async () => {
    const again = await pipeline.run([...CRITERIA_CAMPAIGNS]);
    expect(again.totals).toMatchObject({ sent: 0, pendingReview: 0, failed: 0 });
    expect(await env.db.prompt.count()).toBe(rows.length);
  });

  it('decides an exclusion again when the record it rested on changes, found by the next incremental poll', async () => {
    // A patient whom hospice care alone keeps from the prompt: without those procedures the expectation is `sent`.
    const patient = records.find((candidate) => {
      const [now] = expected['hba1c-care-gap'].get(candidate.mrn) ?? [];
      const withoutHospice = {
        ...candidate,
        procedures: candidate.procedures.filter((procedure) => !HOSPICE_CODES.has(procedure.coding.code)),
      };
      const [then] = expectedOutcomes([withoutHospice], asOf)['hba1c-care-gap'].get(candidate.mrn) ?? [];
      const hospice = candidate.procedures.filter(
        (procedure) => HOSPICE_CODES.has(procedure.coding.code) && procedure.status === 'completed',
      );
      return now?.status === 'skipped' && now.reason === 'excluded: hospice care' && then?.status === 'sent' && hospice.length === 1;
    });
    if (!patient) throw new Error('the population has no patient excluded by one hospice procedure alone');
    const patientRef = [...mrnOf].find(([, mrn]) => mrn === patient.mrn)?.[0] ?? '';
    const procedure = (await searchAll(env.fhir.baseUrl, `Procedure?subject=${patientRef}&status=completed`)).find((resource) =>
      resource.code?.coding?.some((coding: FhirJson) => HOSPICE_CODES.has(coding.code)),
    );
    if (!procedure) throw new Error(`no hospice procedure for ${patientRef}`);
    // Recorded by mistake: the chart is corrected, which moves the Procedure's _lastUpdated past the watermark.
    const corrected = await fetch(`${env.fhir.baseUrl}/Procedure/${procedure.id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ ...procedure, status: 'entered-in-error' }),
    });
    expect(corrected.status).toBe(200);

    pipeline.services.clock = () => new Date(asOf.getTime() + 3_600_000);
    const again = await pipeline.run(['hba1c-care-gap']);
    expect(again.totals).toMatchObject({ sent: 1, failed: 0 });
    const row = await env.db.prompt.findFirstOrThrow({ where: { campaignId: 'hba1c-care-gap', patientRef } });
    expect(row).toMatchObject({ status: 'sent', rule: null });
    expect(await env.db.prompt.count()).toBe(rows.length);
  });
});
