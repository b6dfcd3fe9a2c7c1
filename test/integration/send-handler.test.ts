import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AppServices, createStorePort } from '../../src/app/index.ts';
import { loadCampaigns } from '../../src/campaigns/index.ts';
import { type Context, type Enqueue, SEND_RULES, type SendOutcome, type SendWork, sendPrompts } from '../../src/pipeline/index.ts';
import { applyCampaigns, claimForSending, type Db, insertPrompts, releaseLease, reviewPrompt } from '../../src/store/index.ts';
import { useFaultyFhir } from '../support/environment.ts';
import { communications, patientWithFreshStitches } from '../support/fhir-data.ts';
import { createTestPipeline, emptyDatabase } from '../support/pipeline.ts';

const CAMPAIGN = 'wound-care-after-sutures';

describe('the send handler, called directly', () => {
  const env = useFaultyFhir();
  let services: AppServices;
  let counter = 0;
  /** The sends the handler queued again (a deferral's). */
  const queued: SendWork[] = [];
  const enqueue: Enqueue = {
    evaluations: async () => {},
    send: async (job) => {
      queued.push(job);
    },
    deferredSend: async (job) => {
      queued.push(job);
    },
    sends: async (jobs) => {
      queued.push(...jobs);
    },
  };
  /** The handler's context: the real services, with `change` applied. */
  const ctx = (change: Partial<Context> = {}): Context => ({ ...services, enqueue, ...change });

  beforeAll(async () => {
    // Two attempts per request: a server that stays unavailable is given up on quickly.
    services = (await createTestPipeline(env.db, env.proxy.baseUrl, { FHIR_MAX_ATTEMPTS: '2' })).services;
  });
  beforeEach(async () => {
    env.proxy.rules.length = 0;
    queued.length = 0;
    await emptyDatabase(env.db);
    await setCampaign({});
  });

  /** One prompt's outcome, sent as a batch of one. */
  async function sendOne(promptId: string): Promise<SendOutcome | undefined> {
    return (await sendPrompts({ promptIds: [promptId] }, ctx())).get(promptId);
  }

  /** The Communications on the server for these prompts (the server lives as long as the file). */
  async function communicationsFor(prompts: ReadonlyArray<{ idempotencyKey: string }>) {
    const keys = new Set(prompts.map((prompt) => prompt.idempotencyKey));
    return (await communications(env.fhir.baseUrl)).filter((communication) => keys.has(communication.identifier[0].value));
  }

  const statusOf = async (id: string) => (await env.db.prompt.findUniqueOrThrow({ where: { id } })).status;

  async function setCampaign(change: { active?: boolean; review?: 'none' | 'required' }) {
    const [loaded] = await loadCampaigns(`jobs/${CAMPAIGN}.yaml`);
    if (!loaded) throw new Error('example campaign missing');
    await applyCampaigns(env.db, [{ ...loaded, campaign: { ...loaded.campaign, ...change }, hash: JSON.stringify(change) }], 'test');
  }

  /** A prompt about records the server has (the send reads them again), written as evaluation would. */
  async function queuedPrompt(status: 'queued' | 'pending_review' = 'queued') {
    counter += 1;
    const { patient, procedure } = await patientWithFreshStitches(env.fhir.baseUrl, 'Ana');
    const [prompt] = await insertPrompts(env.db, [
      {
        idempotencyKey: `test-key-${counter}-${Date.now()}`,
        campaignId: CAMPAIGN,
        patientRef: `Patient/${patient.id}`,
        triggerRefs: [`Procedure/${procedure.id}`],
        evidence: {},
        templateId: 'wound-care',
        category: 'instruction',
        channel: 'fhir-communication',
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
    const outcomes = await Promise.all([1, 2, 3].map(() => sendOne(prompt.id)));
    // The others find it leased (in flight), or already sent if they come late.
    expect(outcomes.filter((outcome) => outcome === 'sent')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome !== 'sent').every((outcome) => outcome === 'in-flight' || outcome === 'already-sent')).toBe(
      true,
    );
    expect(await communicationsFor([prompt])).toHaveLength(1);
    expect(await sendOne(prompt.id)).toBe('already-sent');
  });

  it('withdraws a prompt whose campaign was deactivated after it was written', async () => {
    const prompt = await queuedPrompt();
    await setCampaign({ active: false });
    expect(await sendOne(prompt.id)).toBe('withdrawn');
    expect(await env.db.prompt.findUniqueOrThrow({ where: { id: prompt.id } })).toMatchObject({
      status: 'skipped',
      reason: 'campaign deactivated before delivery',
    });
  });

  it('holds a prompt for review when the campaign came to require it, and sends it once approved', async () => {
    const prompt = await queuedPrompt();
    await setCampaign({ review: 'required' });
    expect(await sendOne(prompt.id)).toBe('held-for-review');
    expect((await env.db.prompt.findUniqueOrThrow({ where: { id: prompt.id } })).status).toBe('pending_review');

    expect(await reviewPrompt(env.db, prompt.id, { decision: 'approve', reviewer: 'dr-lee' })).toBe(true);
    expect(await sendOne(prompt.id)).toBe('sent');
    const audit = await env.db.auditEvent.findMany({ where: { entityId: prompt.id }, orderBy: { at: 'asc' } });
    expect(audit.map((event) => [event.action, event.actor])).toContainEqual(['prompt.queued', 'dr-lee']);
  });

  it('never sends a rejected prompt', async () => {
    const prompt = await queuedPrompt('pending_review');
    expect(await reviewPrompt(env.db, prompt.id, { decision: 'reject', reviewer: 'dr-lee', note: 'patient called in' })).toBe(true);
    expect(await sendOne(prompt.id)).toBe('not-sendable');
    expect((await env.db.prompt.findUniqueOrThrow({ where: { id: prompt.id } })).reason).toBe('rejected in review: patient called in');
    expect(await reviewPrompt(env.db, prompt.id, { decision: 'approve', reviewer: 'dr-lee' })).toBe(false);
  });

  it('drops a prompt that waited past the expiry instead of delivering it late', async () => {
    const prompt = await queuedPrompt();
    await env.db.prompt.update({ where: { id: prompt.id }, data: { queuedAt: new Date(Date.now() - 49 * 3_600_000) } });
    expect(await sendOne(prompt.id)).toBe('withdrawn');
    expect((await env.db.prompt.findUniqueOrThrow({ where: { id: prompt.id } })).reason).toBe('expired: not delivered within 48 hours');
  });

  it('defers a prompt a send rule postpones: recorded, claimable only from then, queued again with the delay', async () => {
    const prompt = await queuedPrompt();
    const until = new Date(Date.now() + 3_600_000);
    const quiet = { sendRules: [...SEND_RULES, () => ({ kind: 'defer' as const, rule: 'window', until, reason: 'quiet hours' })] };
    expect((await sendPrompts({ promptIds: [prompt.id] }, ctx(quiet))).get(prompt.id)).toBe('deferred');
    expect(await env.db.prompt.findUniqueOrThrow({ where: { id: prompt.id } })).toMatchObject({
      status: 'queued',
      notBefore: until,
      leaseToken: null,
    });
    expect(await env.db.auditEvent.count({ where: { entityId: prompt.id, action: 'prompt.deferred' } })).toBe(1);
    expect(queued).toEqual([{ promptIds: [prompt.id] }]);
    // Before its time no sender may claim it, whatever the rules.
    expect(await sendOne(prompt.id)).toBe('in-flight');
    await env.db.prompt.update({ where: { id: prompt.id }, data: { notBefore: new Date(Date.now() - 1) } });
    expect(await sendOne(prompt.id)).toBe('sent');
    expect(await communicationsFor([prompt])).toHaveLength(1);
  });

  it('leaves a prompt leased by another sender alone until the lease lapses', async () => {
    const prompt = await queuedPrompt();
    await env.db.prompt.update({ where: { id: prompt.id }, data: { leaseUntil: new Date(Date.now() + 60_000) } });
    expect(await sendOne(prompt.id)).toBe('in-flight');
    await env.db.prompt.update({ where: { id: prompt.id }, data: { leaseUntil: new Date(Date.now() - 1) } });
    expect(await sendOne(prompt.id)).toBe('sent');
  });

  it('lets only the lease holder renew or release it', async () => {
    const prompt = await queuedPrompt();
    const lease = await claimForSending(env.db, [prompt.id], 60_000);
    expect(lease.prompts.map((claimed) => claimed.id)).toEqual([prompt.id]);
    const held = await env.db.prompt.findUniqueOrThrow({ where: { id: prompt.id } });
    await releaseLease(env.db, [prompt.id], '00000000-0000-4000-8000-000000000000');
    expect((await env.db.prompt.findUniqueOrThrow({ where: { id: prompt.id } })).leaseUntil).toEqual(held.leaseUntil);
    await releaseLease(env.db, [prompt.id], lease.token);
    expect((await env.db.prompt.findUniqueOrThrow({ where: { id: prompt.id } })).leaseUntil).toBeNull();
  });

  it('delivers a batch in order and records every prompt of it as sent', async () => {
    const prompts = [await queuedPrompt(), await queuedPrompt(), await queuedPrompt()];
    const outcomes = await sendPrompts({ promptIds: prompts.map((prompt) => prompt.id) }, ctx());
    expect([...outcomes]).toEqual(prompts.map((prompt) => [prompt.id, 'sent']));
    const sent = await communicationsFor(prompts);
    expect(sent.map((communication) => communication.identifier[0].value)).toEqual(prompts.map((prompt) => prompt.idempotencyKey));
    const rows = await env.db.prompt.findMany({ where: { id: { in: prompts.map((prompt) => prompt.id) } } });
    expect(rows.every((row) => row.status === 'sent' && row.externalId && row.sentAt && row.leaseUntil === null)).toBe(true);
    expect(await env.db.auditEvent.count({ where: { action: 'prompt.sent' } })).toBe(3);
  });

  it('sends the rest of a batch when the server refuses one message of it', async () => {
    const prompts = [await queuedPrompt(), await queuedPrompt(), await queuedPrompt()];
    env.proxy.rules.push({ method: 'POST', path: /^\/Communication/, fault: 'reject', after: 1, times: 1 });
    const outcomes = await sendPrompts({ promptIds: prompts.map((prompt) => prompt.id) }, ctx());
    expect(prompts.map((prompt) => outcomes.get(prompt.id))).toEqual(['sent', 'failed', 'sent']);
    expect(await Promise.all(prompts.map((prompt) => statusOf(prompt.id)))).toEqual(['sent', 'failed', 'sent']);
  });

  it('stops a batch at a transient failure: records what was delivered, gives the rest back for the retry', async () => {
    const prompts = [await queuedPrompt(), await queuedPrompt(), await queuedPrompt()];
    const ids = prompts.map((prompt) => prompt.id);
    // The second message meets a server that stays unavailable through every in-request attempt.
    env.proxy.rules.push({
      method: 'POST',
      path: /^\/Communication/,
      fault: 'unavailable',
      after: 1,
      times: services.config.fhir.maxAttempts,
    });
    await expect(sendPrompts({ promptIds: ids }, ctx())).rejects.toThrow(/HTTP 503/);
    expect(await Promise.all(ids.map(statusOf))).toEqual(['sent', 'queued', 'queued']);
    const released = await env.db.prompt.findMany({ where: { id: { in: ids.slice(1) } } });
    expect(released.every((row) => row.leaseUntil === null && row.leaseToken === null)).toBe(true);

    // The job's retry delivers the rest and leaves the delivered one alone.
    const retried = await sendPrompts({ promptIds: ids }, ctx());
    expect(ids.map((id) => retried.get(id))).toEqual(['already-sent', 'sent', 'sent']);
    expect(await communicationsFor(prompts)).toHaveLength(3);
  });

  it('gives every row back when recording the batch fails, so the retry delivers and records it once', async () => {
    const prompts = [await queuedPrompt(), await queuedPrompt()];
    const ids = prompts.map((prompt) => prompt.id);
    // Recording fails, and so does the second try after the failure: the rows are given back unrecorded.
    const unreliable = ctx({ store: createStorePort(failing(env.db, 'prompt.sent', 2)) });

    await expect(sendPrompts({ promptIds: ids }, unreliable)).rejects.toThrow('injected database failure');
    const held = await env.db.prompt.findMany({ where: { id: { in: ids } } });
    expect(held.every((row) => row.status === 'queued' && row.leaseUntil === null)).toBe(true);

    const retried = await sendPrompts({ promptIds: ids }, ctx());
    expect(ids.map((id) => retried.get(id))).toEqual(['sent', 'sent']);
    expect(await communicationsFor(prompts)).toHaveLength(2);
    expect(await env.db.auditEvent.count({ where: { action: 'prompt.sent', entityId: { in: ids } } })).toBe(2);
  });
  it('records a prompt an earlier sender delivered but never recorded as sent, though its campaign was paused since', async () => {
    const [delivered, untried] = [await queuedPrompt(), await queuedPrompt()];
    // The first sender posts, then cannot record: the row is given back unrecorded, as after a crash.
    const unreliable = ctx({ store: createStorePort(failing(env.db, 'prompt.sent', 2)) });
    await expect(sendPrompts({ promptIds: [delivered.id] }, unreliable)).rejects.toThrow('injected database failure');
    const [communication] = await communicationsFor([delivered]);
    await setCampaign({ active: false });

    const outcomes = await sendPrompts({ promptIds: [delivered.id, untried.id] }, ctx());

    expect([outcomes.get(delivered.id), outcomes.get(untried.id)]).toEqual(['already-sent', 'withdrawn']);
    expect(await env.db.prompt.findUniqueOrThrow({ where: { id: delivered.id } })).toMatchObject({
      status: 'sent',
      externalId: communication?.id,
    });
    expect(await statusOf(untried.id)).toBe('skipped');
  });
});

/** The database, except that the first `times` raw statements whose SQL holds `marker` fail. */
function failing(db: Db, marker: string, times: number): Db {
  let failures = 0;
  return new Proxy(db, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property !== '$executeRaw') return value;
      return (strings: TemplateStringsArray, ...values: unknown[]) => {
        if (failures < times && strings.join('').includes(marker)) {
          failures += 1;
          return Promise.reject(new Error('injected database failure'));
        }
        return (value as (s: TemplateStringsArray, ...v: unknown[]) => Promise<number>).call(target, strings, ...values);
      };
    },
  });
}
