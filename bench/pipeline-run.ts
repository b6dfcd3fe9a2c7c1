/**
 * One measured run of the real pipeline against a seeded FHIR server: either one `run --once` process, or a
 * coordinator with N worker processes sharing the queue prefix. Figures come from the engine processes' own
 * reports and from PostgreSQL (sent_at), never from the parent's view of them.
 */
import { randomUUID } from 'node:crypto';
import type { FhirRequestCounts } from '../src/fhir/index.ts';
import type { Db } from '../src/store/index.ts';
import { cpuBetween, cpuSnapshot, type MachineCpu } from './cpu.ts';
import { forkEngine } from './processes.ts';

export interface PipelineFigures {
  label: string;
  patients: number;
  /** 0: the jobs ran inside the `run --once` process; otherwise the number of worker processes. */
  workers: number;
  matched: number;
  sent: number;
  runMs: number;
  sentPerSecond: number;
  /** From the first poll's start to the first and to the last Communication marked sent. */
  firstMessageMs: number | null;
  lastMessageMs: number | null;
  /** The largest peak RSS among the engine processes. */
  peakRssBytes: number;
  fhirRequests: FhirRequestCounts;
  /** CPU time spent during the run by the engine processes and the parts they drive (Linux only). */
  cpu?: MachineCpu & { engineMs: number };
}

export interface RunTarget {
  db: Db;
  env: NodeJS.ProcessEnv;
  patients: number;
  fhirServerPid: number;
}

export async function measurePipeline(target: RunTarget, label: string, workers = 0): Promise<PipelineFigures> {
  const env = { ...target.env, QUEUE_PREFIX: `bench-${randomUUID()}` };
  const started = performance.now();
  const cpuBefore = cpuSnapshot(target.fhirServerPid, databaseOf(target.env));
  let reports: Awaited<ReturnType<typeof forkEngine>['result']>[];
  let engines: ReturnType<typeof forkEngine>[];
  if (workers === 0) {
    const once = forkEngine('once', env);
    engines = [once];
    reports = [await once.result];
  } else {
    const pool = Array.from({ length: workers }, () => forkEngine('worker', env));
    await Promise.all(pool.map((worker) => worker.ready));
    const coordinator = forkEngine('coordinator', env);
    engines = [coordinator, ...pool];
    const coordinatorReport = await coordinator.result;
    for (const worker of pool) worker.finish();
    reports = [coordinatorReport, ...(await Promise.all(pool.map((worker) => worker.result)))];
  }
  // Read while the engines still hold their connections: a backend's CPU time goes with it when it exits.
  const machine = cpuBetween(cpuBefore, cpuSnapshot(target.fhirServerPid, databaseOf(target.env)));
  for (const engine of engines) engine.exit();
  const coordinatorReport = reports[0];
  const summary = coordinatorReport?.summary;
  if (!coordinatorReport || !summary) throw new Error(`${label}: the run reported no summary`);
  const runMs = coordinatorReport.runMs ?? performance.now() - started;
  const pollRunIds = summary.campaigns.flatMap((campaign) => (campaign.pollRunId ? [campaign.pollRunId] : []));
  const timing = await messageTiming(target.db, pollRunIds);
  const fhirRequests = { searchPages: 0, reads: 0, creates: 0 };
  for (const report of reports) {
    for (const kind of Object.keys(fhirRequests) as Array<keyof FhirRequestCounts>) fhirRequests[kind] += report.fhirRequests[kind];
  }
  return {
    label,
    patients: target.patients,
    workers,
    matched: summary.totals.matched,
    sent: summary.totals.sent,
    runMs,
    sentPerSecond: (summary.totals.sent * 1000) / runMs,
    ...timing,
    peakRssBytes: Math.max(...reports.map((report) => report.maxRssBytes)),
    fhirRequests,
    ...(machine ? { cpu: { engineMs: reports.reduce((sum, report) => sum + report.cpuMs, 0), ...machine } } : {}),
  };
}

function databaseOf(env: NodeJS.ProcessEnv): string {
  return new URL(env.DATABASE_URL ?? '').pathname.slice(1);
}

async function messageTiming(db: Db, pollRunIds: string[]): Promise<{ firstMessageMs: number | null; lastMessageMs: number | null }> {
  if (pollRunIds.length === 0) return { firstMessageMs: null, lastMessageMs: null };
  const [row] = await db.$queryRaw<Array<{ started: Date | null; first: Date | null; last: Date | null }>>`
    SELECT (SELECT min(started_at) FROM poll_runs WHERE id = ANY(${pollRunIds}::uuid[])) AS started,
           min(sent_at) AS first, max(sent_at) AS last
    FROM prompts WHERE poll_run_id = ANY(${pollRunIds}::uuid[]) AND status = 'sent'`;
  const since = (at: Date | null | undefined) => (at && row?.started ? at.getTime() - row.started.getTime() : null);
  return { firstMessageMs: since(row?.first), lastMessageMs: since(row?.last) };
}
