/**
 * The ceilings the pipeline is compared with, measured on the same machine in the same run. Each does one of
 * the pipeline's parts alone, as fast as it can, on the same work the pipeline did:
 *  - fhirCreateCeiling: the same Communications, conditional create included, at the same concurrency, from a
 *    tight loop (no queue, no database, no rendering) against a fresh FHIR server process;
 *  - queueCeiling: no-op jobs through the same topology (one poll job fanning out evaluate jobs of up to
 *    EVALUATE_BATCH_SIZE matches page by page, each evaluate adding one send job for its batch), same job
 *    options and concurrency;
 *  - renderCeiling: the same templates, rendered from real patient contexts in a loop.
 */
import { randomUUID } from 'node:crypto';
import { type ConnectionOptions, type Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Config } from '../src/config/index.ts';
import { createFhirCommunicationTransport, type OutgoingMessage } from '../src/delivery/index.ts';
import { createFhirGateway, type PatientContext } from '../src/fhir/index.ts';
import { EVALUATE_BATCH_SIZE } from '../src/pipeline/index.ts';
import { buildTemplateContext, factsFromPatientContext, type TemplateRegistry } from '../src/render/index.ts';
import type { TriggerResource } from '../src/triggers/index.ts';
import { cpuBetween, cpuSnapshot } from './cpu.ts';

export interface Ceiling {
  name: string;
  items: number;
  ms: number;
  perSecond: number;
  /** The FHIR ceiling's CPU time: the loop's own (client) and the FHIR server's (Linux only). */
  cpu?: { clientMs: number; fhirServerMs: number };
}

const ceiling = (name: string, items: number, ms: number): Ceiling => ({ name, items, ms, perSecond: (items * 1000) / ms });

export async function fhirCreateCeiling(
  server: { baseUrl: string; pid: number },
  config: Readonly<Config>,
  messages: OutgoingMessage[],
): Promise<Ceiling> {
  const gateway = createFhirGateway({ ...config.fhir, baseUrl: server.baseUrl });
  const transport = createFhirCommunicationTransport(gateway, config.delivery);
  const machineBefore = cpuSnapshot(server.pid);
  const clientBefore = process.cpuUsage();
  const started = performance.now();
  await pool(messages, config.queue.concurrency, (message) => transport.send(message));
  const result = ceiling('FHIR conditional create', messages.length, performance.now() - started);
  const client = process.cpuUsage(clientBefore);
  const machine = cpuBetween(machineBefore, cpuSnapshot(server.pid));
  return machine ? { ...result, cpu: { clientMs: (client.user + client.system) / 1000, fhirServerMs: machine.fhirServerMs } } : result;
}

export async function queueCeiling(config: Readonly<Config>, evaluations: number): Promise<Ceiling> {
  const connection = new Redis(config.redisUrl, { maxRetriesPerRequest: null }) as ConnectionOptions;
  const prefix = `bench-queue-${randomUUID()}`;
  // As in src/queue/runtime.ts.
  const defaultJobOptions = {
    attempts: config.queue.attempts,
    backoff: { type: 'exponential', delay: config.queue.backoffMs },
    removeOnComplete: true,
    removeOnFail: { age: 7 * 24 * 3600 },
  };
  const queue = (name: string) => new Queue(name, { connection, prefix, defaultJobOptions });
  const queues = { poll: queue('poll'), evaluate: queue('evaluate'), send: queue('send') };
  const pageSize = config.fhir.pageSize;
  let sent = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  const workers = [
    new Worker(
      'poll',
      async () => {
        for (let from = 0; from < evaluations; from += pageSize) {
          const batches: Array<{ first: number; size: number }> = [];
          for (let first = from; first < Math.min(from + pageSize, evaluations); first += EVALUATE_BATCH_SIZE) {
            batches.push({ first, size: Math.min(EVALUATE_BATCH_SIZE, evaluations - first, from + pageSize - first) });
          }
          await queues.evaluate.addBulk(batches.map((data) => ({ name: 'evaluate', data, opts: { jobId: `evaluate_${data.first}` } })));
        }
      },
      { connection, prefix, concurrency: 1 },
    ),
    new Worker(
      'evaluate',
      async (job: Job<{ first: number; size: number }>) => {
        await queues.send.add('send', job.data, { jobId: `send_${job.data.first}` });
      },
      { connection, prefix, concurrency: config.queue.concurrency },
    ),
    new Worker(
      'send',
      async (job: Job<{ first: number; size: number }>) => {
        sent += job.data.size;
        if (sent === evaluations) done();
      },
      { connection, prefix, concurrency: config.queue.concurrency },
    ),
  ];
  const started = performance.now();
  await queues.poll.add('poll', {});
  await finished;
  const ms = performance.now() - started;
  await Promise.all(workers.map((worker) => worker.close()));
  await Promise.all(Object.values(queues).map((q) => q.obliterate({ force: true }).then(() => q.close())));
  await (connection as Redis).quit();
  return ceiling('BullMQ no-op jobs', evaluations, ms);
}

export interface RenderSample {
  context: PatientContext;
  trigger: TriggerResource;
  templateId: string;
}

/** Renders `count` messages, cycling through the samples, exactly as the evaluate handler renders one. */
export function renderCeiling(templates: TemplateRegistry, config: Readonly<Config>, samples: RenderSample[], count: number): Ceiling {
  const now = new Date();
  const { replyTimeByLanguage, ...org } = config.org;
  let rendered = 0;
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const sample = samples[i % samples.length];
    if (!sample) break;
    const facts = factsFromPatientContext(sample.context, sample.trigger, {
      defaultTimezone: config.defaultTimezone,
      now,
      recentProcedureDays: config.render.recentProcedureDays,
    });
    const template = templates.resolve(sample.templateId, facts.patient.language);
    if (!template) continue;
    const replyTime = replyTimeByLanguage[template.language.split('-')[0] ?? ''] ?? org.replyTime;
    const result = template.render(
      buildTemplateContext({ ...facts, org: { ...org, replyTime }, campaign: { id: 'bench', name: 'Benchmark' }, now }),
    );
    if (result.ok) rendered += 1;
  }
  return ceiling('Handlebars rendering', rendered, performance.now() - started);
}

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
}
