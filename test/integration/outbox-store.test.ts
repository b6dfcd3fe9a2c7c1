import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  claimForSending,
  countCandidateOutcomes,
  type Db,
  insertPrompts,
  markEvaluated,
  type NewPrompt,
  recordCandidates,
  startPollRun,
} from '../../src/store/index.ts';
import { applyExampleCampaigns, emptyDatabase, testDb } from '../support/pipeline.ts';

const CAMPAIGN = 'wound-care-after-sutures';

describe('the outbox and candidates, written in batches', () => {
  let db: Db;
  let pollRunId: string;
  beforeAll(async () => {
    db = testDb();
    await emptyDatabase(db);
    await applyExampleCampaigns(db);
    pollRunId = await startPollRun(db, CAMPAIGN, new Date(), undefined);
  });
  afterAll(async () => {
    await db.$disconnect();
  });

  const draft = (key: string, fields: Partial<NewPrompt>): NewPrompt => ({
    idempotencyKey: key,
    campaignId: CAMPAIGN,
    pollRunId,
    patientRef: 'Patient/p1',
    triggerRefs: ['Procedure/s1'],
    evidence: { trigger: { reference: 'Procedure/s1' } },
    templateId: 'wound-care',
    category: 'instruction',
    channel: 'fhir-communication',
    status: 'queued',
    decidedAt: new Date(),
    ...fields,
  });

  it('inserts new prompts with one audit event each, and returns the rows that already held a key', async () => {
    const first = await insertPrompts(db, [
      draft('key-a', { renderedText: 'Hola', language: 'es', reasonRef: 'Condition/c1' }),
      draft('key-b', { status: 'skipped', reason: 'patient is deceased' }),
    ]);
    const again = await insertPrompts(db, [draft('key-a', { renderedText: 'other text' }), draft('key-c', { status: 'pending_review' })]);

    const byKey = (rows: typeof first, key: string) => rows.find((row) => row.idempotencyKey === key);
    expect(byKey(first, 'key-a')).toMatchObject({ status: 'queued', inserted: true });
    expect(byKey(first, 'key-b')).toMatchObject({ status: 'skipped', inserted: true });
    expect(byKey(again, 'key-a')).toEqual({ ...byKey(first, 'key-a'), inserted: false });
    expect(byKey(again, 'key-c')).toMatchObject({ status: 'pending_review', inserted: true });
    const stored = await db.prompt.findUniqueOrThrow({ where: { idempotencyKey: 'key-a' } });
    expect(stored).toMatchObject({ renderedText: 'Hola', language: 'es', reasonRef: 'Condition/c1', triggerRefs: ['Procedure/s1'] });
    expect(stored.queuedAt).toBeInstanceOf(Date);
    const events = await db.auditEvent.findMany({ where: { entityType: 'Prompt' }, orderBy: { action: 'asc' } });
    expect(events.map(({ action, details }) => ({ action, details }))).toEqual([
      { action: 'prompt.pending_review', details: {} },
      { action: 'prompt.queued', details: {} },
      { action: 'prompt.skipped', details: { reason: 'patient is deceased' } },
    ]);
  });

  it('claims only a queued prompt with its text, counting the attempt', async () => {
    const rows = await insertPrompts(db, [draft('key-d', { renderedText: 'Hi' }), draft('key-e', { status: 'skipped' })]);
    const queued = rows.find((row) => row.status === 'queued');
    const skipped = rows.find((row) => row.status === 'skipped');
    if (!queued || !skipped) throw new Error('expected two rows');

    const lease = await claimForSending(db, [skipped.id, queued.id], 60_000);
    expect(lease.prompts).toEqual([expect.objectContaining({ id: queued.id, renderedText: 'Hi', triggerRefs: ['Procedure/s1'] })]);
    expect((await claimForSending(db, [queued.id], 60_000)).prompts).toEqual([]);
    expect((await db.prompt.findUniqueOrThrow({ where: { id: queued.id } })).attempts).toBe(1);
  });

  it('records candidates once and keeps the first outcome of each', async () => {
    const candidate = { pollRunId, campaignId: CAMPAIGN, patientId: 'p1', triggerRef: 'Procedure/s1' };
    await recordCandidates(db, [candidate, candidate, { ...candidate, triggerRef: 'Procedure/s2' }]);
    await markEvaluated(db, pollRunId, [{ triggerRef: 'Procedure/s1', outcome: 'queued' }]);
    await markEvaluated(db, pollRunId, [
      { triggerRef: 'Procedure/s1', outcome: 'already-handled' },
      { triggerRef: 'Procedure/s2', outcome: 'no-match' },
    ]);

    const rows = await db.candidate.findMany({ where: { pollRunId }, orderBy: { triggerRef: 'asc' } });
    // Prisma's client names the enum values as identifiers (no_match); the column holds the engine's 'no-match'.
    expect(rows.map(({ triggerRef, outcome }) => ({ triggerRef, outcome }))).toEqual([
      { triggerRef: 'Procedure/s1', outcome: 'queued' },
      { triggerRef: 'Procedure/s2', outcome: 'no_match' },
    ]);
    expect(await countCandidateOutcomes(db, [pollRunId])).toEqual(
      expect.arrayContaining([
        { campaignId: CAMPAIGN, outcome: 'queued', count: 1 },
        { campaignId: CAMPAIGN, outcome: 'no-match', count: 1 },
      ]),
    );
    expect(rows.every((row) => row.evaluatedAt instanceof Date && row.createdAt instanceof Date)).toBe(true);
  });
});
