/**
 * `campaigns dry-run` against real PostgreSQL, Redis and the FHIR test server with a seeded population: it
 * foretells, candidate by candidate, what `run --once` then does with the same data, and writes nothing
 * anywhere (database, Redis, FHIR server).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { runtimeOptions } from '../../src/app/index.ts';
import type { Campaign } from '../../src/campaigns/index.ts';
import { type DryRunCandidate, DryRunReport, dryRunCampaign, type EvaluateOutcome } from '../../src/pipeline/index.ts';
import { runOnce } from '../../src/queue/index.ts';
import type { Db } from '../../src/store/index.ts';
import { seedPopulation } from '../../tools/demo/population.ts';
import { careprompt } from '../support/cli.ts';
import { useTestEnvironment } from '../support/environment.ts';
import { communications } from '../support/fhir-data.ts';
import { applyExampleCampaigns, createTestPipeline, TEST_DATABASE_URL } from '../support/pipeline.ts';

const CAMPAIGNS = ['wound-care-after-sutures', 'new-medication-check-in', 'diabetes-self-management'];

/** Every table's whole content, hashed: any write (a row, a watermark, an audit event) changes it. */
async function recordSnapshot(db: Db): Promise<Record<string, string>> {
  const tables = await db.$queryRaw<Array<{ name: string }>>`
    SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`;
  const snapshot: Record<string, string> = {};
  for (const { name } of tables) {
    const [row] = await db.$queryRawUnsafe<Array<{ digest: string }>>(
      `SELECT count(*)::text || ':' || md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) AS digest FROM "${name}" t`,
    );
    snapshot[name] = row?.digest ?? '';
  }
  return snapshot;
}

/** A loopback port nothing listens on (fetch refuses the well-known ones outright, as "bad port"). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The candidate outcome the engine records for what the dry run said. */
function recordedOutcomeOf(candidate: DryRunCandidate): EvaluateOutcome {
  if (candidate.outcome !== 'skip') return candidate.outcome === 'review' ? 'pending-review' : 'queued';
  const { reason } = candidate;
  if (reason === 'already handled') return 'already-handled';
  if (reason.startsWith('recently prompted')) return 'recently-prompted';
  if (reason.startsWith('not matched')) return 'no-match';
  if (reason === 'patient not found') return 'patient-not-found';
  if (reason === 'trigger resource unreadable') return 'error';
  return 'skipped';
}

describe('campaigns dry-run against real PostgreSQL, Redis and FHIR', () => {
  const env = useTestEnvironment('per-test');

  it('foretells per candidate what run --once then does, quiet hours and caps included, and writes nothing to the database, Redis or the FHIR server', async () => {
    const asOf = new Date();
    const expected = await seedPopulation(env.fhir.baseUrl, { patients: 120, seed: 5, asOf });
    await applyExampleCampaigns(env.db);
    // A window open this hour in New York: open for patients there, closed for those in Chicago, Denver and Los
    // Angeles (behind it), whatever the hour the test runs at; and one message a day per patient.
    const hour = Number(new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', hour: '2-digit', hourCycle: 'h23' }).format(asOf));
    const hh = (h: number) => `${String(h).padStart(2, '0')}:00`;
    const pipeline = await createTestPipeline(env.db, env.fhir.baseUrl, {
      SEND_WINDOW: `${hh(hour)}-${hh(hour + 1)}`,
      FREQUENCY_CAP: '1/P1D',
    });
    // One instant for both: a message that says "yesterday" must say it in both, and the window is read at it.
    const services = { ...pipeline.services, clock: () => asOf };
    const redis = new Redis(pipeline.config.redisUrl);
    const reports = new Map<string, DryRunReport>();
    try {
      // One campaign after the other: each dry run sees the prompts of the campaigns run before it (the caps).
      for (const id of CAMPAIGNS) {
        const before = await recordSnapshot(env.db);
        const sentBefore = (await communications(env.fhir.baseUrl)).length;
        const campaign = (await services.store.getCampaign(id))?.campaign as Campaign;
        const report = await dryRunCampaign(campaign, services, { source: 'applied', samples: 3 });
        reports.set(id, report);
        expect(await recordSnapshot(env.db), id).toEqual(before);
        expect(await redis.keys(`${pipeline.config.queue.prefix}*`), id).toEqual([]);
        expect(await communications(env.fhir.baseUrl), id).toHaveLength(sentBefore);

        const summary = await runOnce(services, { ...runtimeOptions(pipeline.config), campaignIds: [id], idleCheckMs: 20 });

        const run = summary.campaigns.find((c) => c.campaignId === id);
        expect(report.matched.candidates, id).toBe(run?.matched);
        expect(report.counts.send, id).toBe(run?.prompts.sent);
        expect(report.counts.review, id).toBe(run?.prompts.pending_review);
        expect(
          report.counts.defer.reduce((sum, group) => sum + group.count, 0),
          id,
        ).toBe(run?.deferred.count);
        const recorded = await env.db.candidate.findMany({ where: { pollRunId: run?.pollRunId ?? '' } });
        // Prisma names the column's values with underscores; the store's vocabulary has dashes.
        const outcomes = new Map(recorded.map((candidate) => [candidate.triggerRef, candidate.outcome?.replaceAll('_', '-')]));
        expect(report.candidates.map((c) => [c.triggerRef, recordedOutcomeOf(c)])).toEqual(
          report.candidates.map((c) => [c.triggerRef, outcomes.get(c.triggerRef)]),
        );
        expect(outcomes.size).toBe(report.candidates.length);
        const rows = await env.db.prompt.findMany({ where: { pollRunId: run?.pollRunId ?? '' } });
        const rowOf = (triggerRef: string) => rows.find((prompt) => prompt.triggerRefs.includes(triggerRef));
        // Skipped rows: the same reasons, as many times.
        const skippedRows = rows.filter((row) => row.status === 'skipped').map((row) => row.reason);
        const skippedForetold = report.candidates.flatMap((c) =>
          c.outcome === 'skip' && recordedOutcomeOf(c) === 'skipped' ? [c.reason] : [],
        );
        expect(skippedForetold.sort(), id).toEqual(skippedRows.sort());
        // Sent, or deferred to the time the engine recorded.
        for (const candidate of report.candidates) {
          if (candidate.outcome === 'send') expect(rowOf(candidate.triggerRef)?.status).toBe('sent');
          if (candidate.outcome === 'defer') expect(rowOf(candidate.triggerRef)?.notBefore?.toISOString()).toBe(candidate.notBefore);
        }
        // The samples are the messages the engine wrote, word for word.
        for (const sample of report.samples) {
          expect(sample.text).toBe(rowOf(sample.triggerRef)?.renderedText);
          expect(sample.trigger.reference).toBe(sample.triggerRef);
        }
      }
      const all = [...reports.values()];
      const deferrals = all.flatMap((report) => report.counts.defer);
      // Both rules were at work: outside the window, and over the cap of one a day.
      expect(all.some((report) => report.counts.send > 0)).toBe(true);
      expect(all.flatMap((r) => r.candidates).some((c) => c.outcome === 'defer' && c.reason.startsWith('window:'))).toBe(true);
      expect(all.flatMap((r) => r.candidates).some((c) => c.outcome === 'defer' && c.reason.startsWith('cap:'))).toBe(true);
      expect(deferrals.length).toBeGreaterThan(0);
      const woundCare = reports.get('wound-care-after-sutures') as DryRunReport;
      expect(woundCare.counts.send + woundCare.candidates.filter((c) => c.outcome === 'defer').length).toBe(expected.woundCare);
      // A patient with two diagnosis codings: one prompt, the second candidate already handled.
      const diabetes = reports.get('diabetes-self-management') as DryRunReport;
      expect(diabetes.counts.skip.find((group) => group.reason === 'already handled')?.count).toBeGreaterThan(0);
      expect(woundCare.samples).toHaveLength(3);

      // After the run, the record says these were handled: a dry run now foretells no new prompt.
      const again = await dryRunCampaign((await services.store.getCampaign('wound-care-after-sutures'))?.campaign as Campaign, services, {
        source: 'applied',
        samples: 3,
      });
      expect(again.counts).toMatchObject({ send: 0, defer: [] });
      expect(again.samples).toEqual([]);
    } finally {
      await redis.quit();
      await pipeline.close();
    }
  });

  it('tries a campaign file not yet applied from the command line: JSON of the documented shape, CSV, and exit codes', async () => {
    const expected = await seedPopulation(env.fhir.baseUrl, { patients: 60, seed: 3, asOf: new Date() });
    const dir = await mkdtemp(join(tmpdir(), 'careprompt-dry-run-'));
    const file = join(dir, 'wound-care.yaml');
    const yaml = await readFile('jobs/wound-care-after-sutures.yaml', 'utf8');
    await writeFile(file, `${yaml.replace(/^active: .*$/m, '').replace(/^review: .*$/m, '')}\nactive: false\nreview: required\n`);
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, yaml.replace(/^template: .*$/m, 'template: no-such-template'));
    const cliEnv = {
      DATABASE_URL: TEST_DATABASE_URL,
      FHIR_BASE_URL: env.fhir.baseUrl,
      SENDER_REFERENCE: 'Organization/test-clinic',
      ORG_NAME: 'Test Clinic',
      ORG_REPLY_TIME: '2 business days',
      QUEUE_PREFIX: `test-${randomUUID()}`,
      LOG_LEVEL: 'silent',
    };
    const before = await recordSnapshot(env.db);

    const [json, csv, text, badFile, unknownId, both, fhirDown] = await Promise.all([
      careprompt(['campaigns', 'dry-run', file, '--json', '--sample', '2'], cliEnv),
      careprompt(['campaigns', 'dry-run', file, '--csv'], cliEnv),
      careprompt(['campaigns', 'dry-run', file, '--sample', '1'], cliEnv),
      careprompt(['campaigns', 'dry-run', bad], cliEnv),
      careprompt(['campaigns', 'dry-run', 'no-such-campaign'], cliEnv),
      careprompt(['campaigns', 'dry-run', file, '--json', '--csv'], cliEnv),
      careprompt(['campaigns', 'dry-run', file], {
        ...cliEnv,
        FHIR_BASE_URL: `http://127.0.0.1:${await closedPort()}/fhir`,
        FHIR_MAX_ATTEMPTS: '1',
      }),
    ]);

    expect(json.code, json.stderr).toBe(0);
    const report = DryRunReport.parse(JSON.parse(json.stdout));
    // Tried as if active, held for review as the file says.
    expect(report).toMatchObject({ campaignId: 'wound-care-after-sutures', source: 'file' });
    expect(report.counts).toMatchObject({ send: 0, review: expected.woundCare, defer: [] });
    expect(report.samples).toHaveLength(2);
    expect(report.samples.every((sample) => sample.outcome === 'review' && sample.text.includes('Test Clinic'))).toBe(true);
    const skipped = expected.skipped.woundCare;
    expect(report.counts.skip).toEqual(
      expect.arrayContaining([
        { reason: 'patient is deceased', count: skipped.deceased },
        { reason: 'patient record is inactive', count: skipped.inactive },
      ]),
    );

    expect(csv.code).toBe(0);
    const lines = csv.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('trigger_ref,patient_ref,outcome,reason,not_before');
    expect(lines.slice(1)).toHaveLength(report.candidates.length);
    expect(lines.filter((line) => /^Procedure\/[^,]+,Patient\/[^,]+,review,,$/.test(line))).toHaveLength(expected.woundCare);

    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`would hold for review\\s+${expected.woundCare}\n`));
    expect(text.stdout).toContain('--- sample 1 of 1: would hold for review');

    // As `campaigns apply` says it.
    expect(badFile.code).toBe(2);
    expect(badFile.stderr).toContain(`${bad}: template "no-such-template" has no file templates/no-such-template.hbs`);
    expect(unknownId.code).toBe(2);
    expect(unknownId.stderr).toContain('"no-such-campaign" is neither a campaign file nor the id of an applied campaign (applied: none)');
    expect(both.code).toBe(2);
    expect(fhirDown.code).toBe(1);
    expect(fhirDown.stderr).toContain('careprompt: failed: FhirTransientError: FHIR search Procedure failed: network error');

    expect(await recordSnapshot(env.db)).toEqual(before);
    expect(await communications(env.fhir.baseUrl)).toEqual([]);
    // Seven command lines at once on a shared machine.
  }, 240_000);
});
