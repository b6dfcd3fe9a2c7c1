/**
 * The child processes of a benchmark: the FHIR server (its own process, so its CPU and memory are not the
 * engine's) and engine processes (bench/engine-process.ts). Each is stopped by signalling its own pid.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { EngineReport, EngineRole } from './engine-process.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** BENCH_CPU_PROF_DIR=<dir>: every child writes a V8 CPU profile there (open in Chrome DevTools). */
const PROFILE = process.env.BENCH_CPU_PROF_DIR ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF_DIR] : [];
const TSX = ['--import', 'tsx', ...PROFILE];
/**
 * The engine runs with the heap limit README.md recommends for `worker` and `run --once` (BENCH_ENGINE_HEAP_MB=0:
 * Node's default, which on a large host lets the heap grow far past what the engine keeps alive).
 */
export const ENGINE_HEAP_MB = Number(process.env.BENCH_ENGINE_HEAP_MB ?? 512);
const ENGINE_FLAGS = ENGINE_HEAP_MB > 0 ? [`--max-old-space-size=${ENGINE_HEAP_MB}`] : [];

export interface FhirServerProcess {
  baseUrl: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startFhirServerProcess(): Promise<FhirServerProcess> {
  // `node` itself, not npx: a signal to an npx wrapper would not reach the server.
  const child = spawn(process.execPath, [...TSX, 'tools/fhir-server/main.ts', '--port', '0'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, LOG_LEVEL: 'warn' },
  });
  const stdout = child.stdout;
  if (!stdout) throw new Error('fhir-server: no stdout');
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`fhir-server exited with code ${code} before it was ready`)));
  });
  const { baseUrl } = JSON.parse(line) as { baseUrl: string };
  if (child.pid === undefined) throw new Error('fhir-server: no pid');
  return { baseUrl, pid: child.pid, stop: () => stop(child) };
}

export interface EngineProcess {
  /** Resolves with the process's report once it has finished (workers: after `finish()`). */
  result: Promise<EngineReport>;
  /** Workers only: resolves once they consume jobs. */
  ready: Promise<void>;
  /** Workers only: finish the jobs in progress and report. */
  finish(): void;
  /** After its report: close the database connections and exit. */
  exit(): void;
}

export function forkEngine(role: EngineRole, env: NodeJS.ProcessEnv): EngineProcess {
  const child = fork(fileURLToPath(new URL('engine-process.ts', import.meta.url)), [role], {
    cwd: ROOT,
    execArgv: [...TSX, ...ENGINE_FLAGS],
    env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  const result = new Promise<EngineReport>((resolve, reject) => {
    child.on('message', (message: EngineReport | { ready: true }) => {
      if ('ready' in message) markReady();
      else resolve(message);
    });
    child.once('exit', (code) => reject(new Error(`engine process (${role}) exited with code ${code} without a report`)));
  });
  return { result, ready, finish: () => child.send('stop'), exit: () => child.connected && child.send('exit') };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    // A client's keep-alive socket can hold a closing server open; it has had its chance after 5 s.
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
