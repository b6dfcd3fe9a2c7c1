/**
 * The pipeline's use-cases over in-memory ports: poll, evaluate and send decisions, review and retry, with the
 * clock fixed. The same behaviours run against PostgreSQL, Redis and the FHIR server in test/integration.
 */

import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Campaign, loadCampaigns } from '../../src/campaigns/index.ts';
import { silentLogger } from '../../src/log/index.ts';
import {
  type Context,
  DEFER_MARGIN_MS,
  evaluateCandidates,
  PromptExpiredError,
  pollCampaign,
  retryFailedPrompts,
  reviewPrompt,
  SEND_RULES,
  type SendRule,
  sendPrompts,
} from '../../src/pipeline/index.ts';
import { loadTemplateRegistry, type TemplateRegistry } from '../../src/render/index.ts';
import { createValueSetSource } from '../../src/valuesets/index.ts';
import {
  createMemoryFhir,
  createMemoryStore,
  createMemoryTransport,
  createRecordingEnqueue,
  type MemoryStore,
  type MemoryTransport,
} from '../support/memory-ports.ts';
import { testConfig } from '../support/pipeline.ts';

const HOUR = 3_600_000;
const T0 = new Date('2026-03-02T15:00:00.000Z');
const CAMPAIGN = 'wound-care-after-sutures';

const patient = { resourceType: 'Patient', id: 'p1', active: true, name: [{ given: ['Ana'], family: 'Diaz' }] };
const stitches = {
  resourceType: 'Procedure',
  id: 'proc1',
  status: 'completed',
  code: { coding: [{ system: 'http://snomed.info/sct', code: '18557009', display: 'Closure of wound by suture' }] },
  subject: { reference: 'Patient/p1' },
  performedDateTime: '2026-03-01T10:00:00Z',
  meta: { lastUpdated: '2026-03-01T10:05:00Z' },
};

let woundCare: Campaign;
let templates: TemplateRegistry;

beforeAll(async () => {
  const [loaded] = await loadCampaigns(`jobs/${CAMPAIGN}.yaml`);
  if (!loaded) throw new Error('example campaign missing');
  woundCare = loaded.campaign;
  templates = await loadTemplateRegistry('templates');
});

describe('the pipeline over in-memory ports', () => {
  let now: Date;
  let store: MemoryStore;
  let transport: MemoryTransport;
  let queued: ReturnType<typeof createRecordingEnqueue>;
  let ctx: Context;

  function setUp(campaign: Partial<Campaign> = {}, sendRules: readonly SendRule[] = SEND_RULES) {
    now = T0;
    store = createMemoryStore(() => now, [{ ...woundCare, ...campaign }]);
    transport = createMemoryTransport();
    queued = createRecordingEnqueue();
    ctx = {
      store,
      gateway: createMemoryFhir([patient, stitches]),
      templates,
      valueSets: createValueSetSource({ dir: 'jobs/valuesets' }),
      transports: new Map([[transport.channel, transport]]),
      sendRules,
      config: testConfig('http://fhir.test'),
      logger: silentLogger,
      clock: () => now,
      enqueue: queued.enqueue,
    };
  }

  /** Polls the campaign and evaluates what the poll handed on; returns the prompt written for the stitches. */
  async function pollAndEvaluate() {
    const poll = await pollCampaign({ campaignId: CAMPAIGN }, ctx);
    for (const work of queued.evaluations.splice(0)) await evaluateCandidates(work, ctx);
    return { poll, prompt: [...store.prompts.values()].find((prompt) => prompt.triggerRefs.includes('Procedure/proc1')) };
  }

  async function queuedPrompt() {
    const { prompt } = await pollAndEvaluate();
    if (!prompt) throw new Error('expected a prompt for the stitches');
    queued.sends.length = 0;
    return prompt;
  }

  const setCampaign = (change: Partial<Campaign>) => {
    const entry = store.campaigns.get(CAMPAIGN);
    if (entry) entry.campaign = { ...entry.campaign, ...change };
  };
  const sendOne = async (promptId: string) => (await sendPrompts({ promptIds: [promptId] }, ctx)).get(promptId);

  /** A queued prompt the channel refused once, the cause since fixed: failed, at T0. */
  async function failedPrompt() {
    const prompt = await queuedPrompt();
    transport.refuse.add(prompt.idempotencyKey);
    expect(await sendOne(prompt.id)).toBe('failed');
    transport.refuse.clear();
    return prompt;
  }

  beforeEach(() => setUp());

  it('polls, evaluates and sends a due prompt once: the message carries the key, the patient and the trigger', async () => {
    const { poll, prompt } = await pollAndEvaluate();
    expect(poll).toMatchObject({ status: 'completed', matched: 1, unusable: 0 });
    expect(prompt).toMatchObject({ status: 'queued', patientRef: 'Patient/p1', channel: 'fhir-communication' });
    expect(prompt?.renderedText).toContain('Ana');
    expect(queued.sends.map(({ job }) => job.promptIds)).toEqual([[prompt?.id]]);

    const outcomes = await sendPrompts(queued.sends[0]?.job ?? { promptIds: [] }, ctx);
    expect([...outcomes.values()]).toEqual(['sent']);
    const delivered = transport.delivered.get(prompt?.idempotencyKey ?? '');
    expect(delivered?.message).toMatchObject({ patientRef: 'Patient/p1', aboutRefs: ['Procedure/proc1'], category: 'instruction' });
    expect(prompt).toMatchObject({ status: 'sent', externalId: delivered?.externalId, sentAt: T0 });
    expect(await sendOne(prompt?.id ?? '')).toBe('already-sent');
    expect(transport.delivered.size).toBe(1);
  });

  it('evaluates a candidate seen again as already handled, writing nothing new', async () => {
    await pollAndEvaluate();
    await pollAndEvaluate();
    expect(store.prompts.size).toBe(1);
    expect(store.candidates.map((candidate) => candidate.outcome)).toEqual(['queued', 'already-handled']);
  });

  it('holds the prompt for review when the campaign requires it, and queues no send', async () => {
    setUp({ review: 'required' });
    const { prompt } = await pollAndEvaluate();
    expect(prompt?.status).toBe('pending_review');
    expect(queued.sends).toEqual([]);
  });

  it('polls nothing for an inactive campaign', async () => {
    setUp({ active: false });
    expect((await pollAndEvaluate()).poll).toMatchObject({ status: 'campaign-inactive', matched: 0 });
    expect(store.prompts.size).toBe(0);
  });

  it('withdraws a queued prompt whose campaign was deactivated before delivery', async () => {
    const prompt = await queuedPrompt();
    setCampaign({ active: false });
    expect(await sendOne(prompt.id)).toBe('withdrawn');
    expect(prompt).toMatchObject({ status: 'skipped', reason: 'campaign deactivated before delivery' });
    expect(transport.delivered.size).toBe(0);
  });

  it('holds a queued prompt for review when the campaign came to require it; approval queues and sends it', async () => {
    const prompt = await queuedPrompt();
    setCampaign({ review: 'required' });
    expect(await sendOne(prompt.id)).toBe('held-for-review');
    expect(prompt.status).toBe('pending_review');

    expect(await reviewPrompt(prompt.id, { decision: 'approve', reviewer: 'dr-lee' }, ctx)).toEqual({ kind: 'approved' });
    expect(queued.sends.map(({ job }) => job.promptIds)).toEqual([[prompt.id]]);
    expect(await sendOne(prompt.id)).toBe('sent');
  });

  it('rejects a held prompt for good: it is never sent, and a second decision changes nothing', async () => {
    setUp({ review: 'required' });
    const { prompt } = await pollAndEvaluate();
    const id = prompt?.id ?? '';
    expect(await reviewPrompt(id, { decision: 'reject', reviewer: 'dr-lee', note: 'called in' }, ctx)).toEqual({ kind: 'rejected' });
    expect(prompt).toMatchObject({ status: 'skipped', reason: 'rejected in review: called in' });
    expect(await sendOne(id)).toBe('not-sendable');
    expect(await reviewPrompt(id, { decision: 'approve', reviewer: 'dr-lee' }, ctx)).toEqual({ kind: 'not-pending', status: 'skipped' });
    expect(queued.sends).toEqual([]);
  });

  it('withdraws a prompt that waited past the expiry instead of delivering it late', async () => {
    const prompt = await queuedPrompt();
    now = new Date(T0.getTime() + 49 * HOUR);
    expect(await sendOne(prompt.id)).toBe('withdrawn');
    expect(prompt.reason).toBe('expired: not delivered within 48 hours');
  });

  it('records a prompt an earlier sender delivered as sent, not withdrawn, though its campaign was paused since', async () => {
    const prompt = await queuedPrompt();
    await transport.send({ key: prompt.idempotencyKey, patientRef: prompt.patientRef, aboutRefs: [], category: 'instruction', text: '…' });
    prompt.attempts = 1; // The earlier sender's claim; it died before recording the delivery.
    setCampaign({ active: false });
    expect(await sendOne(prompt.id)).toBe('already-sent');
    expect(prompt.status).toBe('sent');
  });

  describe('with a rule that defers (as quiet hours will)', () => {
    const until = new Date(T0.getTime() + 10 * HOUR);
    const quietUntil: SendRule = ({ now: at }) =>
      at < until ? { kind: 'defer', rule: 'window', until, reason: 'quiet hours' } : undefined;

    beforeEach(() => setUp({}, [...SEND_RULES, quietUntil]));

    it('records the time, gives the claim back and queues the send again for then', async () => {
      const prompt = await queuedPrompt();
      expect(await sendOne(prompt.id)).toBe('deferred');
      expect(prompt).toMatchObject({ status: 'queued', notBefore: until, leaseToken: null, leaseUntil: null });
      expect(store.audit).toContain(`prompt.deferred ${prompt.id}`);
      expect(queued.sends).toEqual([
        { job: { promptIds: [prompt.id] }, delayMs: 10 * HOUR + DEFER_MARGIN_MS, id: expect.stringMatching(/_until/) },
      ]);
      expect(transport.delivered.size).toBe(0);
    });

    it('queues the send again as a job of its own, which the queue keeps though the job that deferred it still runs', async () => {
      const { prompt } = await pollAndEvaluate();
      const [running] = queued.sends;
      if (!prompt || !running) throw new Error('expected a prompt and its send job');
      // The job stays in the queue while it runs, as in BullMQ: a re-queue under its id would be dropped.
      expect((await sendPrompts(running.job, ctx)).get(prompt.id)).toBe('deferred');
      expect(queued.sends.map(({ job, delayMs }) => ({ job, delayMs }))).toEqual([
        { job: running.job },
        { job: { promptIds: [prompt.id] }, delayMs: 10 * HOUR + DEFER_MARGIN_MS },
      ]);
    });

    it('is not claimed before its time, and goes out after it: the expiry counting from then', async () => {
      const prompt = await queuedPrompt();
      await sendOne(prompt.id);
      now = new Date(T0.getTime() + 5 * HOUR);
      expect(await sendOne(prompt.id)).toBe('in-flight');
      // 50 hours after it was queued, but 40 after it became sendable: still in time.
      now = new Date(T0.getTime() + 50 * HOUR);
      expect(await sendOne(prompt.id)).toBe('sent');
      expect(prompt.attempts).toBe(1);
    });

    it('counts the expiry from the approval of a prompt deferred, then held for review for days', async () => {
      const prompt = await queuedPrompt();
      expect(await sendOne(prompt.id)).toBe('deferred');
      now = until;
      setCampaign({ review: 'required' });
      expect(await sendOne(prompt.id)).toBe('held-for-review');
      now = new Date(until.getTime() + 72 * HOUR);
      expect(await reviewPrompt(prompt.id, { decision: 'approve', reviewer: 'dr-lee' }, ctx)).toEqual({ kind: 'approved' });
      expect(await sendOne(prompt.id)).toBe('sent');
    });

    it('keeps the lease of the rest of the batch while queuing the deferral blocks (Redis down)', async () => {
      const deferred = await queuedPrompt();
      const [draft] = await store.insertPrompts([
        { ...deferred, rule: undefined, status: 'queued', idempotencyKey: `${deferred.idempotencyKey}-2` },
      ]);
      const other = store.prompts.get(draft?.id ?? '');
      if (!other) throw new Error('expected a second prompt');
      ctx.sendRules = [...SEND_RULES, (input) => (input.prompt.id === deferred.id ? quietUntil(input) : undefined)];
      let unblock = () => {};
      ctx.enqueue = { ...ctx.enqueue, deferredSend: () => new Promise<void>((resolve) => (unblock = resolve)) };
      const leaseMs = ctx.config.queue.sendLeaseMs;
      vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] });
      try {
        const sending = sendPrompts({ promptIds: [deferred.id, other.id] }, ctx);
        await vi.waitFor(() => expect(other.leaseToken).not.toBeNull());
        const claimedUntil = other.leaseUntil?.getTime() ?? 0;
        now = new Date(T0.getTime() + leaseMs / 2);
        await vi.advanceTimersByTimeAsync(leaseMs / 2);
        expect(other.leaseUntil?.getTime()).toBeGreaterThan(claimedUntil);
        unblock();
        expect([...(await sending).values()]).toEqual(['deferred', 'sent']);
      } finally {
        vi.useRealTimers();
      }
    });

    describe('to two days on', () => {
      const twoDaysOn = new Date(T0.getTime() + 48 * HOUR);
      beforeEach(() => {
        ctx.sendRules = [
          ...SEND_RULES,
          ({ now: at }) => (at < twoDaysOn ? { kind: 'defer', rule: 'window', until: twoDaysOn, reason: 'quiet hours' } : undefined),
        ];
      });

      it('words the prompt again for the day it will go out', async () => {
        const prompt = await queuedPrompt();
        expect(prompt.renderedText).toContain('You had stitches yesterday.');
        expect(await sendOne(prompt.id)).toBe('deferred');
        expect(prompt.renderedText).toContain('You had stitches on Sunday.');
      });

      it('keeps the words of a prompt whose patient reads another language now: it stays in the one it was written in', async () => {
        const prompt = await queuedPrompt();
        const written = prompt.renderedText;
        const spanish = { language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'es' }] }, preferred: true };
        ctx.gateway = createMemoryFhir([{ ...patient, communication: [spanish] }, stitches]);
        expect(await sendOne(prompt.id)).toBe('deferred');
        expect(prompt.renderedText).toBe(written);
      });
    });

    it('still withdraws first what must not go out at all', async () => {
      const prompt = await queuedPrompt();
      setCampaign({ active: false });
      expect(await sendOne(prompt.id)).toBe('withdrawn');
      expect(queued.sends).toEqual([]);
    });
  });

  it('fails alone a message the channel refuses, and sends it once retried after the cause is fixed', async () => {
    const prompt = await queuedPrompt();
    transport.refuse.add(prompt.idempotencyKey);
    expect(await sendOne(prompt.id)).toBe('failed');
    expect(prompt).toMatchObject({ status: 'failed', reason: 'rejected by fhir-communication: HTTP 422' });

    transport.refuse.clear();
    expect(await retryFailedPrompts({ campaignId: CAMPAIGN }, 'cli:ops', ctx)).toEqual({ queued: [prompt.id], expired: [] });
    expect(queued.sends.map(({ job }) => job.promptIds)).toEqual([[prompt.id]]);
    expect(await sendOne(prompt.id)).toBe('sent');
    await expect(retryFailedPrompts({ promptId: prompt.id }, 'cli:ops', ctx)).rejects.toThrow(`prompt ${prompt.id} is sent, not failed`);
  });

  it('retries a failed prompt only within its expiry, counted from when it was first queued, unless forced', async () => {
    const prompt = await failedPrompt();

    now = new Date(T0.getTime() + 49 * HOUR);
    expect(await retryFailedPrompts({ campaignId: CAMPAIGN }, 'cli:ops', ctx)).toEqual({ queued: [], expired: [prompt.id] });
    await expect(retryFailedPrompts({ promptId: prompt.id }, 'cli:ops', ctx)).rejects.toBeInstanceOf(PromptExpiredError);
    expect(prompt.status).toBe('failed');
    expect(queued.sends).toEqual([]);

    expect(await retryFailedPrompts({ promptId: prompt.id }, 'cli:ops', ctx, { force: true })).toEqual({
      queued: [prompt.id],
      expired: [],
    });
    // Queued anew: its expiry counts from the forced retry, so the send policy lets it go.
    expect(prompt.queuedAt).toEqual(now);
    expect(await sendOne(prompt.id)).toBe('sent');
  });

  it("keeps the first queue time as a retried prompt's expiry basis", async () => {
    const prompt = await failedPrompt();

    now = new Date(T0.getTime() + 47 * HOUR);
    expect(await retryFailedPrompts({ promptId: prompt.id }, 'cli:ops', ctx)).toEqual({ queued: [prompt.id], expired: [] });
    expect(prompt.queuedAt).toEqual(T0);
    now = new Date(T0.getTime() + 49 * HOUR);
    expect(await sendOne(prompt.id)).toBe('withdrawn');
  });

  it('does not poll a campaign whose template reads above grade 8, unless the campaign waives it', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'careprompt-hard-')), 'templates');
    await cp('templates', dir, { recursive: true });
    const hard =
      'Hi {{patient.firstName}},\n\nPostoperative management necessitates meticulous observation of incisional integrity, particularly regarding erythema, induration and purulent exudation.\n\n{{> safety-footer}}\n';
    await writeFile(join(dir, 'wound-care.hbs'), hard);
    ctx.templates = await loadTemplateRegistry(dir);

    await expect(pollCampaign({ campaignId: CAMPAIGN }, ctx)).rejects.toThrow(
      /wound-care\.hbs \(template 'wound-care'\) reads at grade \d+\.\d/,
    );
    expect(queued.evaluations).toEqual([]);

    setCampaign({ readingLevelWaiver: 'wording agreed with the surgical team' });
    const { poll, prompt } = await pollAndEvaluate();
    expect(poll.status).toBe('completed');
    expect(prompt?.renderedText).toContain('Postoperative management');
  });
});
