/**
 * The whole pipeline against the project's FHIR server with every real-EHR behaviour on at once: SMART Backend
 * Services authentication, a cap on included entries, 409s on a share of conditional creates and a rate limit
 * announced only by `RateLimit` headers. Each fires during the run, and still every expected prompt goes out
 * exactly once with nothing failed: for the single-trigger campaigns, and for the criteria campaigns, whose
 * outcomes per patient follow from the population's records (test/support/expected-outcomes.ts).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/store/index.ts';
import { populationRecords, seedPopulation } from '../../tools/demo/population.ts';
import { type FhirTestServer, startFhirServer } from '../../tools/fhir-server/index.ts';
import { CRITERIA_CAMPAIGNS, CRITERIA_NOT_MET, expectedOutcomes, type Outcome, outcomeCounts } from '../support/expected-outcomes.ts';
import { communications, duplicatedIdentifiers } from '../support/fhir-data.ts';
import { applyExampleCampaigns, createTestPipeline, emptyDatabase, testDb } from '../support/pipeline.ts';

const SEEDER = { clientId: 'test-seeder', secret: 'seeder-secret' };
const ENGINE_CLIENT_ID = 'careprompt-backend';

/** A bearer token for the test's own reads and writes, from the server's token endpoint (client_secret_basic). */
async function seederHeaders(baseUrl: string): Promise<Record<string, string>> {
  const response = await fetch(`${baseUrl}/oauth2/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${SEEDER.clientId}:${SEEDER.secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'system/*.cruds' }),
  });
  if (!response.ok) throw new Error(`seeder token request answered ${response.status}`);
  const { access_token } = (await response.json()) as { access_token: string };
  return { authorization: `Bearer ${access_token}` };
}

describe('a run against a test server as strict as a real EHR', () => {
  let db: Db;
  let fhir: FhirTestServer;
  let keyDir: string;
  let keyFile: string;
  /** A fresh server with every strict behaviour on, trusting the seeder and the engine's key. */
  let strictServer: () => Promise<FhirTestServer>;

  beforeAll(async () => {
    db = testDb();
    await emptyDatabase(db);
    keyDir = await mkdtemp(path.join(tmpdir(), 'careprompt-strict-'));
    const { privateKey, publicKey } = await generateKeyPair('ES384', { extractable: true });
    const kid = 'strict-run-key';
    keyFile = path.join(keyDir, 'private-key.json');
    await writeFile(keyFile, JSON.stringify({ ...(await exportJWK(privateKey)), kid, alg: 'ES384' }), { mode: 0o600 });
    const engineKey = { ...(await exportJWK(publicKey)), kid };
    strictServer = () =>
      startFhirServer({
        strict: {
          auth: { clients: [SEEDER, { clientId: ENGINE_CLIENT_ID, jwks: { keys: [engineKey] } }], tokenLifetimeSeconds: 3600 },
          // Tighter than IIS's 2 KB query strings: a 50-patient batch's `_id` list is longer, so the engine asks it in parts.
          maxUrlLength: 1500,
          // Far below Medplum's 1,000, so the batched record search of a 50-patient evaluate job is refused.
          includeCap: 60,
          conflicts: { share: 0.3, seed: 5 },
          rateLimit: { interactions: 10, windowSeconds: 1 },
        },
      });
    fhir = await strictServer();
  });

  afterAll(async () => {
    await fhir.close();
    await db.$disconnect();
    await rm(keyDir, { recursive: true, force: true });
  });

  it('delivers every expected prompt exactly once with nothing failed, though every strict behaviour fires', async () => {
    const headers = await seederHeaders(fhir.baseUrl);
    const expected = await seedPopulation(fhir.baseUrl, { patients: 150, seed: 17, asOf: new Date() }, headers);
    const total = expected.woundCare + expected.medicationCheckIn + expected.diabetes;
    await applyExampleCampaigns(db);
    const pipeline = await createTestPipeline(db, fhir.baseUrl, {
      FHIR_AUTH: 'smart-backend',
      FHIR_CLIENT_ID: ENGINE_CLIENT_ID,
      FHIR_PRIVATE_KEY_FILE: keyFile,
      FHIR_MAX_QUERY_LENGTH: '1400',
    });
    try {
      const summary = await pipeline.run();

      const stats = fhir.stats();
      expect(stats.includeCapped, 'include cap refusals').toBeGreaterThan(0);
      expect(stats.conflicts, '409 answers').toBeGreaterThan(0);
      expect(stats.uriTooLong, 'URLs refused as too long').toBe(0);
      // The quota ran out during the run; the engine heeds `RateLimit: …;r=0` and waits for the reset, so it is
      // rarely if ever answered 429 (the gateway's unit tests cover the 429 path).
      expect(stats.quotaSpent, 'windows whose quota was spent').toBeGreaterThan(0);
      // One token serves the whole run (the seeder's is the other).
      expect(stats.tokensIssued).toBe(2);
      expect(summary.totals).toMatchObject({ sent: total, failed: 0 });
      expect(total).toBeGreaterThan(30);
      const sent = await communications(fhir.baseUrl, headers);
      expect(sent).toHaveLength(total);
      expect(duplicatedIdentifiers(sent)).toEqual([]);
      expect(await db.prompt.count({ where: { status: { notIn: ['sent', 'skipped'] } } })).toBe(0);
    } finally {
      await pipeline.close();
    }
  });

  it('decides the criteria campaigns as their records call for, every prompt once, though every strict behaviour fires', async () => {
    await emptyDatabase(db);
    // A server of its own: the population of the test before would change the counts.
    const fhir = await strictServer();
    const headers = await seederHeaders(fhir.baseUrl);
    const asOf = new Date();
    const population = { patients: 120, seed: 23, asOf };
    await seedPopulation(fhir.baseUrl, population, headers);
    const expected = expectedOutcomes(populationRecords(population), asOf);
    await applyExampleCampaigns(db, (loaded) => loaded, CRITERIA_CAMPAIGNS);
    const pipeline = await createTestPipeline(db, fhir.baseUrl, {
      FHIR_AUTH: 'smart-backend',
      FHIR_CLIENT_ID: ENGINE_CLIENT_ID,
      FHIR_PRIVATE_KEY_FILE: keyFile,
      FHIR_MAX_QUERY_LENGTH: '1400',
    });
    pipeline.services.clock = () => asOf;
    try {
      const summary = await pipeline.run([...CRITERIA_CAMPAIGNS]);
      const stats = fhir.stats();
      // Observations and Encounters come with each batch's records: the include cap refuses those searches too.
      expect(stats.includeCapped, 'include cap refusals').toBeGreaterThan(0);
      expect(stats.uriTooLong, 'URLs refused as too long').toBe(0);
      expect(summary.totals.failed).toBe(0);
      const rows = await db.prompt.findMany({ select: { campaignId: true, status: true, reason: true } });
      for (const id of CRITERIA_CAMPAIGNS) {
        const recorded = rows
          .filter((row) => row.campaignId === id)
          .map((row) =>
            row.status === 'skipped'
              ? { status: 'skipped', reason: row.reason?.startsWith(CRITERIA_NOT_MET) ? CRITERIA_NOT_MET : row.reason }
              : { status: row.status },
          );
        expect(outcomeCounts(recorded as Outcome[]), id).toEqual(outcomeCounts([...expected[id].values()].flat()));
      }
      const sent = await communications(fhir.baseUrl, headers);
      expect(sent).toHaveLength(rows.filter((row) => row.status === 'sent').length);
      expect(duplicatedIdentifiers(sent)).toEqual([]);
    } finally {
      await pipeline.close();
      await fhir.close();
    }
  });
});
