/**
 * One engine process of the benchmark, forked by bench/main.ts with an IPC channel, so its peak RSS is its own.
 * Settings come from the environment, as for `careprompt`. Roles (argv[2]):
 *  - once: exactly `careprompt run --once` over every active campaign (buildServices + runOnce);
 *  - coordinator: runOnce with external workers: enqueues the polls on QUEUE_PREFIX and waits for idle;
 *  - worker: only the three workers on QUEUE_PREFIX, until the parent sends 'stop'.
 * Each reports one EngineReport over IPC when done, then keeps its database connections open until the parent
 * says 'exit', so the parent can read the CPU time of the PostgreSQL backends serving them (bench/cpu.ts).
 */
import { buildServices, runtimeOptions } from '../src/app/index.ts';
import { loadConfig } from '../src/config/index.ts';
import type { FhirRequestCounts } from '../src/fhir/index.ts';
import { createLogger } from '../src/log/index.ts';
import type { RunSummary } from '../src/pipeline/index.ts';
import { createRuntime, runOnce } from '../src/queue/index.ts';
import { listCampaigns } from '../src/store/index.ts';

export type EngineRole = 'once' | 'coordinator' | 'worker';

export interface EngineReport {
  role: EngineRole;
  summary?: RunSummary;
  /** Time inside runOnce (start-up, template compilation and connections excluded). */
  runMs?: number;
  fhirRequests: FhirRequestCounts;
  maxRssBytes: number;
  /** CPU time (user + system) of this process while it ran the jobs. */
  cpuMs: number;
}

function report(message: EngineReport | { ready: true }): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!process.send) return reject(new Error('engine-process must be started with an IPC channel (fork)'));
    process.send(message, (error: Error | null) => (error ? reject(error) : resolve()));
  });
}

// resourceUsage().maxRSS is in kibibytes.
const maxRssBytes = () => process.resourceUsage().maxRSS * 1024;
/** Resolves when the parent sends `word`, or goes away. */
const untilParentSays = (word: 'stop' | 'exit') =>
  new Promise<void>((resolve) => {
    const heard = (message: unknown) => {
      if (message !== word) return;
      process.off('message', heard);
      resolve();
    };
    process.on('message', heard);
    process.once('disconnect', resolve);
  });

const cpuMsSince = (start: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};

async function main(role: EngineRole): Promise<void> {
  const config = loadConfig();
  const services = await buildServices(config, createLogger({ level: config.logLevel }));
  try {
    if (role === 'worker') {
      const runtime = createRuntime(runtimeOptions(config));
      runtime.startWorkers(services);
      await report({ ready: true });
      const cpu = process.cpuUsage();
      await untilParentSays('stop');
      await runtime.close();
      await report({ role, fhirRequests: services.gateway.counts(), maxRssBytes: maxRssBytes(), cpuMs: cpuMsSince(cpu) });
      await untilParentSays('exit');
      return;
    }
    const campaignIds = (await listCampaigns(services.db, { activeOnly: true })).map((stored) => stored.campaign.id);
    const started = performance.now();
    const cpu = process.cpuUsage();
    const summary = await runOnce(services, {
      ...runtimeOptions(config),
      campaignIds,
      idleCheckMs: 20,
      externalWorkers: role === 'coordinator',
    });
    const runMs = performance.now() - started;
    const cpuMs = cpuMsSince(cpu);
    await report({ role, summary, runMs, fhirRequests: services.gateway.counts(), maxRssBytes: maxRssBytes(), cpuMs });
    await untilParentSays('exit');
  } finally {
    await services.close();
  }
}

const role = process.argv[2];
if (role !== 'once' && role !== 'coordinator' && role !== 'worker') throw new Error(`unknown role '${role}'`);
main(role).then(
  () => process.disconnect?.(),
  (error: unknown) => {
    process.stderr.write(`engine-process (${role}): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
