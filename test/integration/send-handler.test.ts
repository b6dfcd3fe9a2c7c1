import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadCampaigns } from '../../src/campaigns/index.ts';
import { type FhirTestServer, startFhirServer } from '../../src/fhir-server/index.ts';
import { sendPrompt } from '../../src/queue/handlers/send.ts';
import type { Services } from '../../src/queue/index.ts';
import { applyCampaigns, claimForSending, type Db, insertPrompts, releaseLease, reviewPrompt } from '../../src/store/index.ts';
import { communications } from '../support/fhir-data.ts';
import { createTestPipeline, emptyDatabase, testDb } from '../support/pipeline.ts';

const CAMPAIGN = 'wound-care-after-sutures';

describe('the send handler, called directly', () => {
  let db: Db;
  let fhir: FhirTestServer;
  let services: Services;
  let counter = 0;

  beforeAll(async () => {
    db = testDb();
    fhir = await startFhirServer();
    services = (await createTestPipeline(db, fhir.baseUrl)).services;
  });
  afterAll(async () => {
    await fhir.close();
    await db.$disconnect();
  });
  beforeEach(async () => {
    await emptyDatabase(db);
    await setCampaign({});
  });

  async function setCampaign(change: { active?: boolean; review?: 'none' | 'required' }) {
    const [loaded] = await loadCampaigns(`jobs/${CAMPAIGN}.yaml`);
    if (!loaded) throw new Error('example campaign missing');
    await applyCampaigns(db, [{ ...loaded, campaign: { ...loaded.campaign, ...change }, hash: JSON.stringify(change) }], 'test');
  }

  async function queuedPrompt(status: 'queued' | 'pending_review' = 'queued') {
    counter += 1;
    const [prompt] = await insertPrompts(db, [
      {
        idempotencyKey: `test-key-${counter}-${Date.now()}`,
        campaignId: CAMPAIGN,
        patientRef: `Patient/p${counter}`,
        triggerRefs: [`Procedure/x${counter}`],
        evidence: {},
        templateId: 'wound-care',
        category: 'instruction',
        renderedText: 'Hi Ana, … call 911 in an emergency.',
        status,
        decidedAt: new Date(),
      },
    ]);
    if (!prompt) throw new Error('expected the prompt to be written');
    return prompt;
  }

  it('sends a queued prompt once, however many senders race for it', async () => {
    const prompt = await queuedPrompt();
    const outcomes = await Promise.all([1, 2, 3].map(() => sendPrompt({ promptId: prompt.id }, services)));
    expect(outcomes.sort()).toEqual(['in-flight', 'in-flight', 'sent']);
    expect((await communications(fhir.baseUrl)).filter((c) => c.identifier[0].value === prompt.idempotencyKey)).toHaveLength(1);
    expect(await sendPrompt({ promptId: prompt.id }, services)).toBe('already-sent');
  });

  it('withdraws a prompt whose campaign was deactivated after it was written', async () => {
    const prompt = await queuedPrompt();
    await setCampaign({ active: false });
    expect(await sendPrompt({ promptId: prompt.id }, services)).toBe('withdrawn');
    expect(await db.prompt.findUniqueOrThrow({ where: { id: prompt.id } })).toMatchObject({
      status: 'skipped',
      reason: 'campaign deactivated before delivery',
    });
  });

  it('holds a prompt for review when the campaign came to require it, and sends it once approved', async () => {
    const prompt = await queuedPrompt();
    await setCampaign({ review: 'required' });
    expect(await sendPrompt({ promptId: prompt.id }, services)).toBe('held-for-review');
    expect((await db.prompt.findUniqueOrThrow({ where: { id: prompt.id } })).status).toBe('pending_review');

    expect(await reviewPrompt(db, prompt.id, { decision: 'approve', reviewer: 'dr-lee' })).toBe(true);
    expect(await sendPrompt({ promptId: prompt.id }, services)).toBe('sent');
    const audit = await db.auditEvent.findMany({ where: { entityId: prompt.id }, orderBy: { at: 'asc' } });
    expect(audit.map((event) => [event.action, event.actor])).toContainEqual(['prompt.queued', 'dr-lee']);
  });

  it('never sends a rejected prompt', async () => {
    const prompt = await queuedPrompt('pending_review');
    expect(await reviewPrompt(db, prompt.id, { decision: 'reject', reviewer: 'dr-lee', note: 'patient called in' })).toBe(true);
    expect(await sendPrompt({ promptId: prompt.id }, services)).toBe('not-sendable');
    expect((await db.prompt.findUniqueOrThrow({ where: { id: prompt.id } })).reason).toBe('rejected in review: patient called in');
    expect(await reviewPrompt(db, prompt.id, { decision: 'approve', reviewer: 'dr-lee' })).toBe(false);
  });

  it('drops a prompt that waited past the expiry instead of delivering it late', async () => {
    const prompt = await queuedPrompt();
    await db.prompt.update({ where: { id: prompt.id }, data: { queuedAt: new Date(Date.now() - 49 * 3_600_000) } });
    expect(await sendPrompt({ promptId: prompt.id }, services)).toBe('withdrawn');
    expect((await db.prompt.findUniqueOrThrow({ where: { id: prompt.id } })).reason).toBe('expired: not delivered within 48 hours');
  });

  it('leaves a prompt leased by another sender alone until the lease lapses', async () => {
    const prompt = await queuedPrompt();
    await db.prompt.update({ where: { id: prompt.id }, data: { leaseUntil: new Date(Date.now() + 60_000) } });
    expect(await sendPrompt({ promptId: prompt.id }, services)).toBe('in-flight');
    await db.prompt.update({ where: { id: prompt.id }, data: { leaseUntil: new Date(Date.now() - 1) } });
    expect(await sendPrompt({ promptId: prompt.id }, services)).toBe('sent');
  });

  it('lets only the lease holder renew or release it', async () => {
    const prompt = await queuedPrompt();
    const claimed = await claimForSending(db, prompt.id, 60_000);
    if (!claimed) throw new Error('expected to claim the prompt');
    const held = await db.prompt.findUniqueOrThrow({ where: { id: prompt.id } });
    await releaseLease(db, prompt.id, '00000000-0000-4000-8000-000000000000');
    expect((await db.prompt.findUniqueOrThrow({ where: { id: prompt.id } })).leaseUntil).toEqual(held.leaseUntil);
    await releaseLease(db, prompt.id, claimed.leaseToken);
    expect((await db.prompt.findUniqueOrThrow({ where: { id: prompt.id } })).leaseUntil).toBeNull();
  });
});
