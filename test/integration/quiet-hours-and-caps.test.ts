/**
 * Quiet hours and frequency caps through the real pipeline (PostgreSQL, Redis, the FHIR test server), with the
 * pipeline's clock injected: the hour of the patient's day is chosen, never waited for.
 */
import { describe, expect, it } from 'vitest';
import { createStorePort, runtimeOptions } from '../../src/app/index.ts';
import type { Campaign } from '../../src/campaigns/index.ts';
import { type Enqueue, type SendWork, sendPrompts } from '../../src/pipeline/index.ts';
import { createRuntime, startWorker } from '../../src/queue/index.ts';
import { insertPrompts } from '../../src/store/index.ts';
import { useTestEnvironment } from '../support/environment.ts';
import { communications, createResource, freshStitches } from '../support/fhir-data.ts';
import { applyExampleCampaigns, createTestPipeline, testDb, until } from '../support/pipeline.ts';
import { discardRuntime } from '../support/runtime.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const ZONE = 'Europe/Berlin';
const RULES = { SEND_WINDOW: '09:00-20:00', FREQUENCY_CAP: '1/P1D,3/P7D', PROMPT_EXPIRY_HOURS: '72' };

/** The first instant after `from` at which the clock in Berlin reads hh:mm (found by stepping, not by the code under test). */
function nextLocal(hour: number, minute: number, from: number): number {
  const format = new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const wanted = `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
  for (let at = Math.ceil(from / MINUTE) * MINUTE; ; at += MINUTE) if (format.format(at) === wanted) return at;
}

const PRIORITIES: Record<string, number> = { 'wound-care-after-sutures': 5, 'new-medication-check-in': 3, 'diabetes-self-management': 1 };
const withPriorities = <T extends { campaign: Campaign }>(campaigns: T[]): T[] =>
  campaigns.map((loaded) => ({ ...loaded, campaign: { ...loaded.campaign, priority: PRIORITIES[loaded.campaign.id] ?? 0 } }));

describe('quiet hours and frequency caps', () => {
  const env = useTestEnvironment('per-test');

  /** A patient living in Berlin, due for every example campaign at `at`. */
  async function patientInThreeCampaigns(at: number) {
    const patient = await createResource(env.fhir.baseUrl, {
      resourceType: 'Patient',
      active: true,
      name: [{ given: ['Mei'], family: 'Lin' }],
      extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/timezone', valueCode: ZONE }],
    });
    const subject = { reference: `Patient/${patient.id}` };
    await createResource(env.fhir.baseUrl, {
      resourceType: 'Procedure',
      status: 'completed',
      subject,
      code: { coding: [{ system: 'http://snomed.info/sct', code: '18557009', display: 'Closure of wound by suture' }] },
      performedDateTime: new Date(at - HOUR).toISOString(),
    });
    await createResource(env.fhir.baseUrl, {
      resourceType: 'MedicationRequest',
      status: 'active',
      intent: 'order',
      subject,
      medicationCodeableConcept: {
        coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '860975', display: 'metformin ER 500 mg' }],
      },
      authoredOn: new Date(at - 14 * DAY - HOUR).toISOString(),
    });
    await createResource(env.fhir.baseUrl, {
      resourceType: 'Condition',
      subject,
      clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
      code: { coding: [{ system: 'http://snomed.info/sct', code: '44054006', display: 'Type 2 diabetes mellitus' }] },
      onsetDateTime: new Date(at - 400 * DAY).toISOString(),
    });
    return patient;
  }

  const promptsByCampaign = async () =>
    Object.fromEntries(
      (await env.db.prompt.findMany({ select: { campaignId: true, status: true, notBefore: true } })).map((prompt) => [
        prompt.campaignId,
        { status: prompt.status, notBefore: prompt.notBefore?.getTime() },
      ]),
    );

  it('sends a patient in three campaigns one message a day, the highest priority first, the others deferred', async () => {
    await applyExampleCampaigns(env.db, withPriorities);
    const night = nextLocal(3, 0, Date.now() + HOUR);
    await patientInThreeCampaigns(night);
    const pipeline = await createTestPipeline(env.db, env.fhir.baseUrl, RULES);
    try {
      // 03:00 in Berlin: quiet hours. Nothing goes out; all three wait, none counted as unfinished. The three
      // campaigns are evaluated concurrently: one decided after a higher-priority one may already be planned for a
      // later day by the cap; the highest-priority one always waits for 09:00 alone.
      pipeline.services.clock = () => new Date(night);
      const first = await pipeline.run();
      const opening = nextLocal(9, 0, night);
      expect(first.totals.sent).toBe(0);
      expect(first.totals.failed).toBe(0);
      const deferred = new Map(first.campaigns.map((c) => [c.campaignId, c.deferred]));
      for (const id of Object.keys(PRIORITIES)) {
        expect(deferred.get(id)?.count).toBe(1);
        expect(Date.parse(deferred.get(id)?.earliest ?? '')).toBeGreaterThanOrEqual(opening);
      }
      expect(deferred.get('wound-care-after-sutures')?.earliest).toBe(new Date(opening).toISOString());

      // 09:01: the three compete for the day's one slot; wound care (priority 5) wins, the others wait for the
      // next days (planned at 09:01, or already at 03:00), and the next two days send them in priority order.
      const morning = opening + MINUTE;
      pipeline.services.clock = () => new Date(morning);
      await pipeline.run();
      expect(await communications(env.fhir.baseUrl)).toHaveLength(1);
      const planned = await promptsByCampaign();
      expect(planned['wound-care-after-sutures']).toEqual({ status: 'sent', notBefore: opening });
      expect(planned['new-medication-check-in']?.status).toBe('queued');
      expect(planned['new-medication-check-in']?.notBefore).toBeGreaterThanOrEqual(opening + DAY);
      expect(planned['new-medication-check-in']?.notBefore).toBeLessThanOrEqual(morning + DAY);
      expect(planned['diabetes-self-management']?.status).toBe('queued');
      // Diabetes waits at least for tomorrow (the day after if it was planned after the medication check-in).
      expect(planned['diabetes-self-management']?.notBefore).toBeGreaterThanOrEqual(opening + DAY);
      expect(planned['diabetes-self-management']?.notBefore).toBeLessThanOrEqual(morning + 2 * DAY);

      // Each of the next two days brings the next one, in priority order; a run in between sends nothing.
      pipeline.services.clock = () => new Date(morning + DAY - HOUR);
      await pipeline.run();
      expect(await communications(env.fhir.baseUrl)).toHaveLength(1);
      pipeline.services.clock = () => new Date(morning + DAY + MINUTE);
      await pipeline.run();
      expect((await promptsByCampaign())['new-medication-check-in']?.status).toBe('sent');
      expect((await promptsByCampaign())['diabetes-self-management']?.status).toBe('queued');
      expect(await communications(env.fhir.baseUrl)).toHaveLength(2);
      pipeline.services.clock = () => new Date(morning + 2 * DAY + MINUTE);
      await pipeline.run();
      expect((await promptsByCampaign())['diabetes-self-management']?.status).toBe('sent');
      expect(await communications(env.fhir.baseUrl)).toHaveLength(3);

      // Every deferral names its rule: the window for the night, the cap each time a prompt gave way.
      const deferrals = await env.db.auditEvent.findMany({ where: { action: 'prompt.deferred' }, orderBy: { at: 'asc' } });
      const rules = deferrals.map((event) => (event.details as { reason: string }).reason.split(':')[0]);
      expect(rules.filter((rule) => rule === 'cap').length).toBeGreaterThanOrEqual(2);
      expect(rules.filter((rule) => rule !== 'cap').every((rule) => rule === 'window')).toBe(true);
      expect(rules[0]).toBe('window');
    } finally {
      await pipeline.close();
    }
  });

  it('sends a prompt deferred by quiet hours when the window opens while the worker runs, once', async () => {
    await applyExampleCampaigns(env.db);
    const patient = await createResource(env.fhir.baseUrl, {
      resourceType: 'Patient',
      active: true,
      name: [{ given: ['Ana'] }],
      extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/timezone', valueCode: ZONE }],
    });
    // The worker's clock reads two seconds before 09:00 in Berlin, and runs on from there.
    const opening = nextLocal(9, 0, Date.now() + HOUR);
    const offset = opening - 2000 - Date.now();
    await createResource(env.fhir.baseUrl, {
      resourceType: 'Procedure',
      status: 'completed',
      subject: { reference: `Patient/${patient.id}` },
      code: { coding: [{ system: 'http://snomed.info/sct', code: '18557009', display: 'Closure of wound by suture' }] },
      performedDateTime: new Date(opening - HOUR).toISOString(),
    });
    const pipeline = await createTestPipeline(env.db, env.fhir.baseUrl, RULES);
    pipeline.services.clock = () => new Date(Date.now() + offset);
    const worker = await startWorker(pipeline.services, runtimeOptions(pipeline.config));
    // What the campaign's schedule does when its cron fires, through a second handle on the worker's queues.
    const observer = createRuntime(runtimeOptions(pipeline.config));
    try {
      await observer.queues.poll.add('poll', { campaignId: 'wound-care-after-sutures' });
      await until(async () => (await env.db.prompt.count({ where: { notBefore: new Date(opening) } })) === 1, 'the deferral');
      await until(async () => (await env.db.prompt.count({ where: { status: 'sent' } })) === 1, 'the send at 09:00');
      const [sent] = await env.db.prompt.findMany();
      expect(sent?.sentAt?.getTime()).toBeGreaterThanOrEqual(opening);
      expect(await communications(env.fhir.baseUrl)).toHaveLength(1);
      const actions = await env.db.auditEvent.findMany({ where: { entityId: sent?.id }, orderBy: { at: 'asc' } });
      expect(actions.map((event) => event.action)).toEqual(['prompt.deferred', 'prompt.sent']);
    } finally {
      await worker.stop();
      await discardRuntime(observer);
      await pipeline.close();
    }
  });

  it('lets concurrent senders of one patient send no more than the cap allows', async () => {
    await applyExampleCampaigns(env.db);
    // Records the server has: the send reads the batch's patients and what their prompts are about again.
    const patient = await createResource(env.fhir.baseUrl, { resourceType: 'Patient', active: true });
    const patientRef = `Patient/${patient.id}`;
    const procedures = await Promise.all(Array.from({ length: 6 }, () => freshStitches(env.fhir.baseUrl, patient.id)));
    const now = new Date();
    const prompts = await insertPrompts(
      env.db,
      procedures.map((procedure, index) => ({
        idempotencyKey: `race-${index}`,
        campaignId: 'wound-care-after-sutures',
        patientRef,
        triggerRefs: [`Procedure/${procedure.id}`],
        evidence: {},
        templateId: 'wound-care',
        category: 'reminder' as const,
        channel: 'fhir-communication',
        renderedText: `message ${index}`,
        status: 'queued' as const,
        decidedAt: now,
      })),
    );
    // Six senders, each with its own database connection, each sending one of the patient's prompts at once.
    // Expiry well past the next slot (a day on): the prompts over the cap are deferred, never withdrawn as expiring
    // first, whichever millisecond the winners reserved their slots in.
    const pipeline = await createTestPipeline(env.db, env.fhir.baseUrl, {
      SEND_WINDOW: 'always',
      FREQUENCY_CAP: '2/P1D',
      PROMPT_EXPIRY_HOURS: '72',
    });
    const dbs = prompts.map(() => testDb());
    const deferred: SendWork[] = [];
    const enqueue: Enqueue = {
      evaluations: async () => {},
      send: async () => {},
      sends: async () => {},
      deferredSend: async (job) => {
        deferred.push(job);
      },
    };
    try {
      const outcomes = await Promise.all(
        prompts.map(async (prompt, index) => {
          const store = createStorePort(dbs[index] ?? env.db);
          return (await sendPrompts({ promptIds: [prompt.id] }, { ...pipeline.services, store, enqueue })).get(prompt.id);
        }),
      );
      expect(outcomes.filter((outcome) => outcome === 'sent')).toHaveLength(2);
      expect(outcomes.filter((outcome) => outcome === 'deferred')).toHaveLength(4);
    } finally {
      await Promise.all(dbs.map((db) => db.$disconnect()));
      await pipeline.close();
    }
    expect(await communications(env.fhir.baseUrl)).toHaveLength(2);
    expect(deferred).toHaveLength(4);
    const waiting = await env.db.prompt.findMany({ where: { status: 'queued' } });
    expect(waiting.map((prompt) => prompt.notBefore?.getTime())).toEqual(Array(4).fill(expect.any(Number)));
    expect(waiting.every((prompt) => (prompt.notBefore?.getTime() ?? 0) >= now.getTime() + DAY - 5_000)).toBe(true);
  });
});
