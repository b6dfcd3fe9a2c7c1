import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  claimForSending,
  type Db,
  deferQueued,
  findStaleQueued,
  insertPrompts,
  type NewPrompt,
  StoredCampaignError,
  startPollRun,
} from '../../src/store/index.ts';
import { applyExampleCampaigns, emptyDatabase, testDb } from '../support/pipeline.ts';

const CAMPAIGN = 'wound-care-after-sutures';
const HOUR = 3_600_000;

describe('the send claim, deferred prompts and the sweep', () => {
  let db: Db;
  let pollRunId: string;
  let serial = 0;
  beforeAll(() => {
    db = testDb();
  });
  beforeEach(async () => {
    await emptyDatabase(db);
    await applyExampleCampaigns(db);
    pollRunId = await startPollRun(db, CAMPAIGN, new Date(), undefined);
  });
  afterAll(async () => {
    await db.$disconnect();
  });

  /** A queued prompt with its text; returns its id. */
  async function queuedPrompt(decidedAt = new Date()): Promise<string> {
    serial += 1;
    const prompt: NewPrompt = {
      idempotencyKey: `claim-key-${serial}`,
      campaignId: CAMPAIGN,
      pollRunId,
      patientRef: `Patient/p${serial}`,
      triggerRefs: [`Procedure/s${serial}`],
      evidence: {},
      templateId: 'wound-care',
      category: 'instruction',
      channel: 'fhir-communication',
      renderedText: 'Keep the wound dry.',
      status: 'queued',
      decidedAt,
    };
    const [row] = await insertPrompts(db, [prompt]);
    if (!row) throw new Error('prompt not written');
    return row.id;
  }

  const setNotBefore = (id: string, notBefore: Date | null) => db.prompt.update({ where: { id }, data: { notBefore } });

  it('claims a prompt whose not-before time has come, and leaves one deferred to later alone', async () => {
    const due = await queuedPrompt();
    const later = await queuedPrompt();
    await setNotBefore(due, new Date(Date.now() - 60_000));
    await setNotBefore(later, new Date(Date.now() + HOUR));

    const lease = await claimForSending(db, [due, later], 60_000);

    expect(lease.prompts.map((prompt) => prompt.id)).toEqual([due]);
    expect(lease.prompts[0]?.notBefore).toBeInstanceOf(Date);
    expect((await db.prompt.findUniqueOrThrow({ where: { id: later } })).leaseToken).toBeNull();
  });

  it('defers a claimed prompt: not-before set, lease and attempt given back, the reason and time audited', async () => {
    const id = await queuedPrompt();
    const lease = await claimForSending(db, [id], 60_000);
    const notBefore = new Date(Date.now() + 2 * HOUR);

    expect(await deferQueued(db, id, lease.token, { until: notBefore, reason: 'quiet hours', rule: 'window' })).toBe(true);

    const row = await db.prompt.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ status: 'queued', notBefore, leaseUntil: null, leaseToken: null, attempts: 0 });
    const events = await db.auditEvent.findMany({ where: { entityId: id, action: 'prompt.deferred' } });
    expect(events.map((event) => event.details)).toEqual([{ rule: 'window', reason: 'quiet hours', until: notBefore.toISOString() }]);
    expect((await claimForSending(db, [id], 60_000)).prompts).toEqual([]);
  });

  it('does not defer a prompt whose lease another sender holds', async () => {
    const id = await queuedPrompt();
    await claimForSending(db, [id], 60_000);

    const deferral = { until: new Date(Date.now() + HOUR), reason: 'quiet hours', rule: 'window' };
    expect(await deferQueued(db, id, crypto.randomUUID(), deferral)).toBe(false);
    expect((await db.prompt.findUniqueOrThrow({ where: { id } })).notBefore).toBeNull();
    expect(await db.auditEvent.count({ where: { entityId: id, action: 'prompt.deferred' } })).toBe(0);
  });

  it('sweeps stale queued prompts but skips those deferred to a later time', async () => {
    const stale = new Date(Date.now() - 2 * HOUR);
    const plain = await queuedPrompt(stale);
    const deferredPast = await queuedPrompt(stale);
    const deferredFuture = await queuedPrompt(stale);
    await setNotBefore(deferredPast, new Date(Date.now() - HOUR));
    await setNotBefore(deferredFuture, new Date(Date.now() + HOUR));

    const found = await findStaleQueued(db, new Date(Date.now() - HOUR), 100);

    expect(found.map((row) => row.id).sort()).toEqual([plain, deferredPast].sort());
    // At a later "now" the deferred prompt is owed too.
    const later = await findStaleQueued(db, new Date(Date.now() - HOUR), 100, undefined, new Date(Date.now() + 2 * HOUR));
    expect(later.map((row) => row.id)).toContain(deferredFuture);
  });

  it('returns the campaign read through the Campaign schema, its defaults filled in', async () => {
    const { definition } = await db.campaign.findUniqueOrThrow({ where: { id: CAMPAIGN } });
    // As an older file stored it: review and sensitive left to their defaults, no channel yet.
    const { review: _r, sensitive: _s, channel: _c, ...older } = definition as Record<string, unknown>;
    await db.campaign.update({ where: { id: CAMPAIGN }, data: { definition: { ...older, review: 'required' } } });
    const id = await queuedPrompt();

    const [claimed] = (await claimForSending(db, [id], 60_000)).prompts;

    expect(claimed?.campaign).toMatchObject({
      id: CAMPAIGN,
      active: true,
      review: 'required',
      sensitive: false,
      channel: 'fhir-communication',
    });
  });

  it('refuses to claim when the stored campaign no longer fits the schema (a renamed review field), leasing nothing', async () => {
    const { definition } = await db.campaign.findUniqueOrThrow({ where: { id: CAMPAIGN } });
    // Were the claim to read `definition ->> 'review'`, this review-required campaign would send unreviewed.
    const { review: _r, ...rest } = definition as Record<string, unknown>;
    await db.campaign.update({ where: { id: CAMPAIGN }, data: { definition: { ...rest, reviewPolicy: 'required' } } });
    const id = await queuedPrompt();

    const error = await claimForSending(db, [id], 60_000).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(StoredCampaignError);
    expect(error).toMatchObject({ campaignId: CAMPAIGN });
    expect((await db.prompt.findUniqueOrThrow({ where: { id } })).leaseToken).toBeNull();
  });
});
