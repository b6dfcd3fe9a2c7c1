/**
 * `npm run bench [-- --patients 10000] [--full] [--skip growth,scale,baselines,incremental,strict,budget]`
 *
 * End-to-end figures for the real pipeline (the `careprompt run --once` code, real Redis and PostgreSQL, the
 * project's FHIR server in its own process) beside the ceilings of its parts, cost growth with population,
 * incremental re-runs, scale-out, the cost of the FHIR server's strict modes (auth, include cap, 409 and rate-limit
 * checks, none firing), quiet hours and frequency caps on against off, and the request budget (FHIR_MAX_RPS) held
 * by 1 and 4 processes. Prints tables and writes
 * bench/results/<date>.json. Not a test: nothing
 * here passes or fails on speed. See bench/README.md for what each figure means.
 */

import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { loadCampaigns } from '../src/campaigns/index.ts';
import { type Config, loadConfig } from '../src/config/index.ts';
import { createFhirGateway, findResource, loadPatientContext } from '../src/fhir/index.ts';
import { messageOf } from '../src/pipeline/index.ts';
import { loadTemplateRegistry } from '../src/render/index.ts';
import { applyCampaigns, createDb, type Db, eraseAllData } from '../src/store/index.ts';
import { LISTED_RESOURCE_TYPES } from '../src/triggers/index.ts';
import { seedPopulation } from '../tools/demo/population.ts';
import { type Ceiling, fhirCreateCeiling, queueCeiling, type RenderSample, renderCeiling } from './baselines.ts';
import { measurePipeline, type PipelineFigures, type RunTarget } from './pipeline-run.ts';
import { ENGINE_HEAP_MB, type FhirServerProcess, startFhirServerProcess } from './processes.ts';
import { measureRateBudget } from './rate-budget.ts';
import { type BenchResults, formatResults } from './report.ts';
import { measureRulesOverhead } from './rules-overhead.ts';
import { measureStrictOverhead } from './strict-overhead.ts';
import { benchAuthorization, createStrictSetup, type StrictSetup } from './strict-server.ts';

const SEED = 42;
const GROWTH_SIZES = [1_000, 10_000];
const FULL_SIZE = 100_000;
const SCALE_OUT_WORKERS = [1, 2, 4];
/**
 * The rate-budget scenario: 2,000 patients make about 900 FHIR requests, so at 50 per second a run lasts about
 * 18 s, long enough to see the budget held and used window after window.
 */
const BUDGET_PATIENTS = 2_000;
const BUDGET_RPS = 50;
const BUDGET_WORKERS = [1, 4];
const SECTIONS = ['incremental', 'baselines', 'growth', 'scale', 'strict', 'budget', 'rules'] as const;
type Section = (typeof SECTIONS)[number];
/**
 * The seeded data was last updated this long before the first poll, as a registry's data mostly is; otherwise
 * the poll's overlap margin (5 min) would make a quiet re-run look at resources seeded moments before.
 */
const DATA_AGE_MS = 10 * 60_000;

const BENCH_DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/careprompt_bench';

function benchEnv(baseUrl: string): NodeJS.ProcessEnv {
  return {
    SENDER_REFERENCE: 'Organization/bench-clinic',
    ORG_NAME: 'Benchmark Clinic',
    ORG_REPLY_TIME: '2 business days',
    ORG_REPLY_TIME_ES: '2 días hábiles',
    ORG_PHONE: '555-0100',
    LOG_LEVEL: 'warn',
    // Every section but `rules` measures the pipeline without quiet hours and caps, whatever the hour it runs at.
    SEND_WINDOW: 'always',
    FREQUENCY_CAP: 'none',
    ...process.env,
    DATABASE_URL: BENCH_DATABASE_URL,
    FHIR_BASE_URL: baseUrl,
  };
}

/**
 * A fresh FHIR server process with `patients` seeded, and an empty database with the example campaigns. With
 * `strict`, the server is strict from its start: the seeding authenticates too, with the client's secret.
 */
async function freshTarget(
  db: Db,
  patients: number,
  strict?: StrictSetup,
): Promise<{ fhir: FhirServerProcess; target: RunTarget; config: Readonly<Config> }> {
  const fhir = await startFhirServerProcess(strict?.serverFlags);
  const seeding = performance.now();
  const headers = strict ? await benchAuthorization(loadConfig({ ...benchEnv(fhir.baseUrl), ...strict.benchClientEnv })) : {};
  await seedPopulation(fhir.baseUrl, { patients, seed: SEED, asOf: new Date(Date.now() - DATA_AGE_MS) }, headers);
  log(`seeded ${patients} patients in ${((performance.now() - seeding) / 1000).toFixed(1)} s`);
  await eraseAllData(db);
  await applyCampaigns(db, await loadCampaigns('jobs'), 'bench');
  const env = { ...benchEnv(fhir.baseUrl), ...strict?.engineEnv };
  return { fhir, target: { db, env, patients, fhirServerPid: fhir.pid }, config: loadConfig(env) };
}

async function measured(target: RunTarget, label: string, workers = 0): Promise<PipelineFigures> {
  const figures = await measurePipeline(target, label, workers);
  log(`${label}: ${figures.sent} sent in ${(figures.runMs / 1000).toFixed(1)} s (${figures.sentPerSecond.toFixed(1)}/s)`);
  return figures;
}

/** Re-saves every 100th trigger resource of the first run unchanged but for a fresh meta.lastUpdated. */
async function touchTriggers(db: Db, baseUrl: string, pollRunIds: string[]): Promise<number> {
  const rows = await db.$queryRaw<Array<{ trigger_ref: string }>>`
    SELECT DISTINCT trigger_ref FROM candidates WHERE poll_run_id = ANY(${pollRunIds}::uuid[]) ORDER BY trigger_ref`;
  const chosen = rows.filter((_, index) => index % 100 === 0).map((row) => row.trigger_ref);
  for (const ref of chosen) {
    const response = await fetch(`${baseUrl}/${ref}`);
    const { meta: _meta, ...resource } = (await response.json()) as Record<string, unknown>;
    const put = await fetch(`${baseUrl}/${ref}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify(resource),
    });
    if (!put.ok) throw new Error(`touching ${ref} failed: HTTP ${put.status}`);
  }
  return chosen.length;
}

/** The prompts the run sent (sent prompts always have their text). */
async function sentMessages(db: Db, pollRunIds: string[]) {
  const rows = await db.prompt.findMany({ where: { pollRunId: { in: pollRunIds }, status: 'sent' }, orderBy: { id: 'asc' } });
  return rows.flatMap((row) => (row.renderedText === null ? [] : [{ ...row, renderedText: row.renderedText }]));
}

async function renderSamples(config: Readonly<Config>, rows: Awaited<ReturnType<typeof sentMessages>>): Promise<RenderSample[]> {
  const gateway = createFhirGateway(config.fhir);
  const samples: RenderSample[] = [];
  for (const row of rows.filter((_, index) => index % Math.max(1, Math.floor(rows.length / 200)) === 0)) {
    const context = await loadPatientContext(gateway, row.patientRef.slice('Patient/'.length), { types: LISTED_RESOURCE_TYPES });
    const trigger = context && row.triggerRefs[0] ? findResource(context, row.triggerRefs[0]) : undefined;
    if (context && trigger) samples.push({ context, trigger, templateId: row.templateId });
  }
  return samples;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      patients: { type: 'string', default: '10000' },
      full: { type: 'boolean', default: false },
      skip: { type: 'string', default: '' },
    },
  });
  const patients = Number(values.patients);
  if (!Number.isInteger(patients) || patients < 100) throw new Error(`--patients must be an integer ≥ 100, got '${values.patients}'`);
  const skip = new Set(values.skip.split(',').filter(Boolean));
  for (const name of skip)
    if (!SECTIONS.includes(name as Section)) throw new Error(`--skip: unknown section '${name}' (${SECTIONS.join(', ')})`);
  const wants = (section: Section) => !skip.has(section);

  const loadAtStart = os.loadavg();
  const probe = loadConfig(benchEnv('http://127.0.0.1:1'));
  const results: BenchResults = {
    startedAt: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? '?',
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
    },
    load: { atStart: loadAtStart },
    settings: {
      patients,
      full: values.full,
      concurrency: probe.queue.concurrency,
      pageSize: probe.fhir.pageSize,
      seed: SEED,
      engineHeapMb: ENGINE_HEAP_MB,
    },
    incremental: [],
    growth: [],
    scaleOut: [],
    rateBudget: [],
  };
  const db = createDb(BENCH_DATABASE_URL);
  try {
    // 1. The main run, then a quiet re-run and one after 1% of triggers changed, on the same data.
    const { fhir, target, config } = await freshTarget(db, patients);
    let main: PipelineFigures;
    let messages: Awaited<ReturnType<typeof sentMessages>>;
    let samples: RenderSample[] = [];
    try {
      main = await measured(target, 'first run');
      results.incremental.push(main);
      const first = await db.pollRun.findMany({ select: { id: true } });
      messages = await sentMessages(
        db,
        first.map((run) => run.id),
      );
      if (wants('baselines')) samples = await renderSamples(config, messages);
      if (wants('incremental')) {
        results.incremental.push(await measured(target, 'quiet re-run'));
        const touched = await touchTriggers(
          db,
          fhir.baseUrl,
          first.map((run) => run.id),
        );
        log(`changed ${touched} trigger resources`);
        results.incremental.push(await measured(target, `${touched} triggers changed`));
      }
    } finally {
      await fhir.stop();
    }

    // 2. Ceilings, on the work the main run did.
    if (wants('baselines')) {
      const baselines: Ceiling[] = [];
      const empty = await startFhirServerProcess();
      try {
        baselines.push(await fhirCreateCeiling(empty, config, messages.map(messageOf)));
      } finally {
        await empty.stop();
      }
      baselines.push(await queueCeiling(config, main.matched));
      const templates = await loadTemplateRegistry(config.templatesDir);
      baselines.push(renderCeiling(templates, config, samples, main.sent));
      for (const b of baselines) log(`ceiling ${b.name}: ${b.perSecond.toFixed(1)}/s`);
      const ratios = Object.fromEntries(baselines.map((b) => [b.name, main.sentPerSecond / b.perSecond]));
      const tightest = baselines.reduce((low, b) => (b.perSecond < low.perSecond ? b : low));
      results.headline = {
        pipeline: main,
        baselines,
        ratios,
        tightest: tightest.name,
        ratioToTightest: main.sentPerSecond / tightest.perSecond,
      };
    }

    // 3. Growth: time and peak RSS by population.
    if (wants('growth')) {
      for (const size of values.full ? [...GROWTH_SIZES, FULL_SIZE] : GROWTH_SIZES) {
        if (size === patients) {
          results.growth.push({ ...main, label: `${size} patients` });
          continue;
        }
        const fresh = await freshTarget(db, size);
        try {
          results.growth.push(await measured(fresh.target, `${size} patients`));
        } finally {
          await fresh.fhir.stop();
        }
      }
    }

    // 4. Scale-out: the same run with 1, 2 and 4 worker processes sharing Redis and PostgreSQL.
    if (wants('scale')) {
      for (const workers of SCALE_OUT_WORKERS) {
        const fresh = await freshTarget(db, patients);
        try {
          results.scaleOut.push(await measured(fresh.target, `${workers} worker process${workers > 1 ? 'es' : ''}`, workers));
        } finally {
          await fresh.fhir.stop();
        }
      }
    }

    // 5. Strict test-server modes on, none firing, against off: alternately, at the same population.
    if (wants('strict')) {
      const setup = await createStrictSetup();
      try {
        results.strictOverhead = await measureStrictOverhead(
          patients,
          (strict) => freshTarget(db, patients, strict ? setup : undefined),
          measured,
        );
      } finally {
        await setup.dispose();
      }
    }

    // 6. Quiet hours and frequency caps on against off: alternately, at the same population.
    if (wants('rules')) {
      results.rulesOverhead = await measureRulesOverhead(db, patients, () => freshTarget(db, patients), measured);
    }

    // 7. The request budget, shared by the worker processes through Redis, counted where the FHIR server sees it.
    if (wants('budget')) {
      for (const workers of BUDGET_WORKERS) {
        const fresh = await freshTarget(db, BUDGET_PATIENTS);
        try {
          const run = await measureRateBudget(fresh.target, fresh.fhir.baseUrl, BUDGET_RPS, workers);
          log(`${run.label}: ${run.pipeline.sent} sent; requests per second ${run.windows.join(' ')}`);
          results.rateBudget.push(run);
        } finally {
          await fresh.fhir.stop();
        }
      }
    }
  } finally {
    await db.$disconnect();
  }

  results.load = { atStart: loadAtStart, atEnd: os.loadavg() };
  console.log(`\n${formatResults(results)}\n`);
  const file = new URL(`results/${results.startedAt.replace(/:/g, '-').replace(/\..*$/, '')}.json`, import.meta.url);
  await mkdir(new URL('results/', import.meta.url), { recursive: true });
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`Figures written to bench/results/${file.pathname.split('/').at(-1)}`);
}

function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

await main();
