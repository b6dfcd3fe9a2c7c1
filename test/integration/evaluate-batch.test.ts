import { describe, expect, it } from 'vitest';
import { type FhirGateway, FhirRequestError, type SearchPage, type SearchParams } from '../../src/fhir/index.ts';
import { useTestEnvironment } from '../support/environment.ts';
import { communications, patientWithFreshStitches } from '../support/fhir-data.ts';
import { applyExampleCampaigns, createTestPipeline } from '../support/pipeline.ts';

describe('a batch with one candidate the server will not let us read', () => {
  const env = useTestEnvironment();
  const sutured = async (given: string) => {
    const { procedure } = await patientWithFreshStitches(env.fhir.baseUrl, given);
    return `Procedure/${procedure.id}`;
  };

  it('prompts the others and records only that candidate as an error', async () => {
    const hidden = await sutured('Ana');
    const visible = await sutured('Ben');
    await applyExampleCampaigns(env.db);
    const pipeline = await createTestPipeline(env.db, env.fhir.baseUrl);
    // The trigger has left the patient's record since the poll (moved to another chart), and reading it on its
    // own is refused.
    const real = pipeline.services.gateway;
    const gateway: FhirGateway = {
      ...real,
      searchPages: (resourceType: string, params: SearchParams) =>
        resourceType === 'Patient' ? without(real.searchPages(resourceType, params), hidden) : real.searchPages(resourceType, params),
      read: async () => {
        throw new FhirRequestError('FHIR read refused with HTTP 403', 403, undefined);
      },
    };
    pipeline.services.gateway = gateway;

    const summary = await pipeline.run(['wound-care-after-sutures']);

    expect(summary.totals).toMatchObject({ sent: 1, failed: 1 });
    expect(summary.campaigns[0]?.unfinished).toBe(1);
    expect(await communications(env.fhir.baseUrl)).toHaveLength(1);
    const candidates = await env.db.candidate.findMany({ select: { triggerRef: true, outcome: true, evaluatedAt: true } });
    expect(candidates.find((row) => row.triggerRef === visible)).toMatchObject({ outcome: 'queued' });
    expect(candidates.find((row) => row.triggerRef === hidden)).toMatchObject({ outcome: 'error' });
  });
});

async function* without(pages: AsyncIterable<SearchPage>, reference: string): AsyncIterable<SearchPage> {
  for await (const page of pages) {
    yield { ...page, included: page.included.filter((resource) => `${resource.resourceType}/${resource.id}` !== reference) };
  }
}
