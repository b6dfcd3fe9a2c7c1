/** The Prometheus side of the metrics port (prom-client), one registry per process. */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Instruments, Snapshot } from './port.ts';

export interface Metrics {
  instruments: Instruments;
  /** The exposition text, reading the snapshot now. */
  render(): Promise<{ contentType: string; body: string }>;
}

const LATENCY_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function createMetrics(snapshot: () => Promise<Snapshot>): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'careprompt_process_' });
  const fhirRequests = new Counter({
    name: 'careprompt_fhir_requests_total',
    help: 'FHIR request attempts by kind and HTTP status',
    labelNames: ['kind', 'status'],
    registers: [registry],
  });
  const fhirLatency = new Histogram({
    name: 'careprompt_fhir_request_duration_seconds',
    help: 'FHIR request latency by kind',
    labelNames: ['kind'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const jobDurations = new Histogram({
    name: 'careprompt_job_duration_seconds',
    help: 'Job attempts by queue and outcome',
    labelNames: ['queue', 'outcome'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const prompts = new Gauge({
    name: 'careprompt_prompts',
    help: 'Prompts in the outbox by campaign and status',
    labelNames: ['campaign', 'status'],
    registers: [registry],
  });
  const decisions = new Gauge({
    name: 'careprompt_decisions',
    help: 'Evaluated candidates by campaign and outcome (the rule that decided)',
    labelNames: ['campaign', 'outcome'],
    registers: [registry],
  });
  const queueDepth = new Gauge({
    name: 'careprompt_queue_jobs',
    help: 'Jobs in each queue by state',
    labelNames: ['queue', 'state'],
    registers: [registry],
  });

  return {
    instruments: {
      fhirRequest(kind, status, seconds) {
        fhirRequests.inc({ kind, status });
        fhirLatency.observe({ kind }, seconds);
      },
      jobFinished(queue, outcome, seconds) {
        jobDurations.observe({ queue, outcome }, seconds);
      },
    },
    async render() {
      const now = await snapshot();
      // Reset first: a campaign or status that has gone must not linger with its last value.
      for (const gauge of [prompts, decisions, queueDepth]) gauge.reset();
      for (const { campaign, status, count } of now.prompts) prompts.set({ campaign, status }, count);
      for (const { campaign, outcome, count } of now.decisions) decisions.set({ campaign, outcome }, count);
      for (const { queue, state, count } of now.queues) queueDepth.set({ queue, state }, count);
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
