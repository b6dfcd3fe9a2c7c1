import { describe, expect, it } from 'vitest';
import type { PipelineFigures } from '../../bench/pipeline-run.ts';
import { judgeBudget, requestsPerWindow } from '../../bench/rate-budget.ts';
import { judgeStrictOverhead, type StrictRun } from '../../bench/strict-overhead.ts';
import { statsBetween } from '../../bench/strict-server.ts';
import { emptyStrictStats } from '../../tools/fhir-server/strict-stats.ts';

/** A run that sent `sent` messages in `runMs`, its engine side and FHIR server spending the given CPU. */
function run(strict: boolean, sent: number, runMs: number, engineMs: number, fhirServerMs: number, refused = 0): StrictRun {
  const pipeline: PipelineFigures = {
    label: strict ? 'on' : 'off',
    patients: 10_000,
    workers: 0,
    matched: sent,
    sent,
    runMs,
    sentPerSecond: (sent * 1000) / runMs,
    firstMessageMs: null,
    lastMessageMs: null,
    peakRssBytes: 0,
    fhirRequests: { searchPages: 0, reads: 0, creates: sent },
    cpu: { engineMs, fhirServerMs, postgresMs: 0, redisMs: 0 },
  };
  return { strict, pipeline, server: { ...emptyStrictStats(), tokensIssued: strict ? 1 : 0, conflicts: refused } };
}

describe('judgeStrictOverhead', () => {
  it('compares the mean throughput and the pooled CPU per message of the strict runs with the plain ones', () => {
    const verdict = judgeStrictOverhead([
      run(false, 1000, 1000, 1000, 500),
      run(true, 1000, 1100, 1100, 500),
      run(true, 1000, 1100, 1100, 500),
      run(false, 1000, 1000, 1000, 500),
    ]);
    expect(verdict.throughputCost).toBeCloseTo(1 - 1000 / 1100);
    expect(verdict.cpuPerMessageCost.engineSide).toBeCloseTo(0.1);
    expect(verdict.cpuPerMessageCost.fhirServer).toBeCloseTo(0);
    expect(verdict.cpuPerMessageCost.all).toBeCloseTo(100 / 1500);
    expect(verdict).toMatchObject({ refusals: 0, met: true });
  });

  it('fails a strict side that loses more than 10% of throughput', () => {
    const verdict = judgeStrictOverhead([run(false, 1000, 1000, 1000, 500), run(true, 880, 1000, 1000, 500)]);
    expect(verdict.throughputCost).toBeCloseTo(0.12);
    expect(verdict.met).toBe(false);
  });

  it('does not pass runs in which a strict mode refused requests: they measured a fault, not the checks', () => {
    const verdict = judgeStrictOverhead([run(false, 1000, 1000, 1000, 500), run(true, 1000, 1000, 1000, 500, 3)]);
    expect(verdict).toMatchObject({ throughputCost: 0, refusals: 3, met: false });
  });
});

describe('statsBetween', () => {
  it('counts only what happened between the two readings (the seeding token is left out)', () => {
    const before = { ...emptyStrictStats(), tokensIssued: 1 };
    const after = { ...emptyStrictStats(), tokensIssued: 2, quotaSpent: 0 };
    expect(statsBetween(before, after)).toEqual({ ...emptyStrictStats(), tokensIssued: 1 });
  });
});

describe('judgeBudget', () => {
  it('holds up to R + 5% in a window and is used at 90% of R from the first sending window to the last full one', () => {
    const windows = requestsPerWindow([0, 10, 999, 1000, 1500, 2000, 2001, 2999, 3000]);
    expect(windows).toEqual([3, 2, 3, 1]);
    expect(judgeBudget([10, 52, 45, 50, 3], 50, 1)).toEqual({ peak: 52, lowest: 45, held: true, used: true });
    expect(judgeBudget([10, 53, 44, 50, 3], 50, 1)).toEqual({ peak: 53, lowest: 44, held: false, used: false });
  });
});
