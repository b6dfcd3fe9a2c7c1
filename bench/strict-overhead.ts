/**
 * What the strict test-server modes cost when no fault fires: the same pipeline run against a fresh FHIR server
 * with them off and with them on (bench/strict-server.ts), alternately, so a machine whose load drifts during
 * the section weighs on both sides alike. The target (issue 7): strict costs less than 10% of throughput at
 * 10,000 patients. Throughput on 2 shared cores is noisy, so the CPU each process spends per message is given
 * beside it: on saturated cores throughput is the inverse of the CPU per message, and CPU is not taken from the
 * run by whatever else the machine is doing.
 */
import type { StrictStats } from '../tools/fhir-server/index.ts';
import type { PipelineFigures, RunTarget } from './pipeline-run.ts';
import type { FhirServerProcess } from './processes.ts';
import { refusals, statsBetween } from './strict-server.ts';

/** Off, on, on, off: each side's runs average to the same moment, so a load that drifts steadily cancels out. */
export const STRICT_ORDER = [false, true, true, false] as const;
/** Strict may cost at most this share of throughput. */
export const STRICT_TARGET = 0.1;

export interface StrictRun {
  strict: boolean;
  pipeline: PipelineFigures;
  /** What the strict modes did during the run (the seeding excluded). */
  server: StrictStats;
}

export interface StrictVerdict {
  /** 1 − sent/s with strict on ÷ sent/s with it off (means over the runs of each side); negative: strict was faster. */
  throughputCost: number;
  /** Relative change of CPU per message with strict on, over all runs of each side (all sent ÷ all CPU). */
  cpuPerMessageCost: { engineSide: number; fhirServer: number; all: number };
  /** Refusals by a strict mode in the strict runs: 0, or the runs measured faults rather than the checks. */
  refusals: number;
  met: boolean;
}

export interface StrictOverhead {
  patients: number;
  runs: StrictRun[];
  verdict: StrictVerdict;
}

/** `fresh(strict)`: a FHIR server process seeded with the population, and the target to run against it. */
export async function measureStrictOverhead(
  patients: number,
  fresh: (strict: boolean) => Promise<{ fhir: FhirServerProcess; target: RunTarget }>,
  measure: (target: RunTarget, label: string) => Promise<PipelineFigures>,
): Promise<StrictOverhead> {
  const runs: StrictRun[] = [];
  for (const [index, strict] of STRICT_ORDER.entries()) {
    const { fhir, target } = await fresh(strict);
    try {
      const before = await fhir.stats();
      const pipeline = await measure(target, `strict ${strict ? 'on' : 'off'} (run ${index + 1})`);
      runs.push({ strict, pipeline, server: statsBetween(before, await fhir.stats()) });
    } finally {
      await fhir.stop();
    }
  }
  return { patients, runs, verdict: judgeStrictOverhead(runs) };
}

/** CPU milliseconds of a run by share of the machine: the engine side (engine, PostgreSQL, Redis) and the FHIR server. */
export function cpuOf(run: PipelineFigures): { engineSide: number; fhirServer: number; all: number } | undefined {
  if (!run.cpu) return undefined;
  const engineSide = run.cpu.engineMs + run.cpu.postgresMs + run.cpu.redisMs;
  return { engineSide, fhirServer: run.cpu.fhirServerMs, all: engineSide + run.cpu.fhirServerMs };
}

export function judgeStrictOverhead(runs: readonly StrictRun[]): StrictVerdict {
  const side = (strict: boolean) => runs.filter((run) => run.strict === strict).map((run) => run.pipeline);
  const off = side(false);
  const on = side(true);
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
  const throughputCost = 1 - mean(on.map((run) => run.sentPerSecond)) / mean(off.map((run) => run.sentPerSecond));
  const perMessage = (pipelines: PipelineFigures[], part: 'engineSide' | 'fhirServer' | 'all') => {
    const sent = pipelines.reduce((sum, run) => sum + run.sent, 0);
    return pipelines.reduce((sum, run) => sum + (cpuOf(run)?.[part] ?? Number.NaN), 0) / sent;
  };
  const cost = (part: 'engineSide' | 'fhirServer' | 'all') => perMessage(on, part) / perMessage(off, part) - 1;
  const refused = runs.filter((run) => run.strict).reduce((sum, run) => sum + refusals(run.server), 0);
  return {
    throughputCost,
    cpuPerMessageCost: { engineSide: cost('engineSide'), fhirServer: cost('fhirServer'), all: cost('all') },
    refusals: refused,
    met: refused === 0 && throughputCost < STRICT_TARGET,
  };
}
