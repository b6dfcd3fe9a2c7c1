/**
 * `npm run bench:startup`: how long `careprompt run --once` takes from process start to its first poll (the
 * first FHIR search), compiled (`node bin/careprompt.js`, dist/) against from source through tsx, alternated,
 * against the project's FHIR server holding no data, with the example campaigns applied. Also the whole run.
 * Needs `npm run build` first; uses the bench database (BENCH_DATABASE_URL).
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startFhirServer } from '../tools/fhir-server/index.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MODES = {
  compiled: ['bin/careprompt.js'],
  'tsx (source)': ['--import', 'tsx', 'src/cli/main.ts'],
};
type Mode = keyof typeof MODES;
const TRIGGER_SEARCH = /^\/(Condition|Procedure|MedicationRequest|MedicationStatement)\?/;

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Number(values.runs);
if (!existsSync(new URL('../dist/cli/main.js', import.meta.url))) throw new Error('dist/ is missing: run `npm run build` first');

const fhir = await startFhirServer();
// In front of the FHIR server: notes when the first trigger search arrives, passes every request on.
let firstSearchAt: number | undefined;
const target = new URL(fhir.baseUrl);
const front = createServer((incoming, outgoing) => {
  if (firstSearchAt === undefined && TRIGGER_SEARCH.test(incoming.url ?? '')) firstSearchAt = performance.now();
  const forwarded = request(
    { host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
    (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    },
  );
  incoming.pipe(forwarded);
});
await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));

const env = {
  PATH: process.env.PATH ?? '',
  FHIR_BASE_URL: `http://127.0.0.1:${(front.address() as AddressInfo).port}`,
  DATABASE_URL: process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/careprompt_bench',
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  SENDER_REFERENCE: 'Organization/bench',
  ORG_NAME: 'Bench Clinic',
  ORG_REPLY_TIME: '2 business days',
  QUEUE_PREFIX: `bench-startup-${randomUUID()}`,
  LOG_LEVEL: 'warn',
};
execFileSync(process.execPath, [...MODES.compiled, 'campaigns', 'apply', 'jobs'], { cwd: ROOT, env, stdio: 'ignore' });

/** One `run --once`: ms from spawn to the first trigger search, and to the exit. */
async function once(mode: Mode): Promise<{ firstPollMs: number; exitMs: number }> {
  firstSearchAt = undefined;
  const started = performance.now();
  const child = spawn(process.execPath, [...MODES[mode], 'run', '--once'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const exitMs = performance.now() - started;
  if (code !== 0 || firstSearchAt === undefined)
    throw new Error(`${mode}: run --once exited ${code} (first search seen: ${firstSearchAt !== undefined})`);
  return { firstPollMs: firstSearchAt - started, exitMs };
}

const samples: Record<Mode, Array<{ firstPollMs: number; exitMs: number }>> = { compiled: [], 'tsx (source)': [] };
for (let run = 0; run < runs; run += 1) {
  // Alternated, so a noisy neighbour hurts both alike.
  for (const mode of Object.keys(MODES) as Mode[]) samples[mode].push(await once(mode));
}
const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};
console.log(`run --once against an empty FHIR server, median of ${runs} (min–max), ms`);
for (const [mode, list] of Object.entries(samples)) {
  const first = list.map((sample) => sample.firstPollMs);
  const exit = list.map((sample) => sample.exitMs);
  const span = (xs: number[]) => `${Math.round(Math.min(...xs))}–${Math.round(Math.max(...xs))}`;
  console.log(
    `${mode.padEnd(13)} start → first poll ${Math.round(median(first))} (${span(first)})   start → exit ${Math.round(median(exit))} (${span(exit)})`,
  );
}
front.close();
await fhir.close();
