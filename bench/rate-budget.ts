/**
 * The rate-budget scenario: the pipeline under FHIR_MAX_RPS=R, with 1 and with 4 worker processes sharing the
 * budget through Redis. Requests are counted where the FHIR server sees them: a pass-through proxy in front of
 * it (test/support/fault-proxy.ts, no faults) notes when each arrives, whichever process sent it. The engine's
 * own counts would miss nothing either, but only arrivals at the server show what the server was asked per second.
 *
 * "Used while work remains" is judged from the first full window after the first Communication create to the last
 * full window: from then on prompts wait in the queue, so every slot has a taker. Before it, the polls page through their
 * searches one after another and the first evaluations load records: the pipeline's own pace, not the budget's.
 */
import { startFaultProxy } from '../test/support/fault-proxy.ts';
import { measurePipeline, type PipelineFigures, type RunTarget } from './pipeline-run.ts';

/** The budget may be exceeded by this share in a window: a request's arrival jitters by a few ms. */
const OVER_TOLERANCE = 0.05;
/** While work remains, each window must use at least this share of the budget. */
const USE_AT_LEAST = 0.9;

export interface BudgetFigures {
  label: string;
  workers: number;
  maxPerSecond: number;
  pipeline: PipelineFigures;
  /** Requests that reached the FHIR server in each one-second window from the first one; the last is partial. */
  windows: number[];
  /** The first full window after the first create: sending is under way. */
  sendingFrom: number;
  verdict: BudgetVerdict;
}

export interface BudgetVerdict {
  peak: number;
  /** The fewest requests in a window while work remained (from `sendingFrom` to the last full window). */
  lowest: number;
  held: boolean;
  used: boolean;
}

/** Arrival times (ms) → the one-second window of each, counted from `firstMs`. */
const windowOf = (atMs: number, firstMs: number) => Math.floor((atMs - firstMs) / 1000);

/** Arrivals (ms) → requests per one-second window, counted from the first arrival. */
export function requestsPerWindow(arrivalsMs: readonly number[]): number[] {
  if (arrivalsMs.length === 0) return [];
  const first = Math.min(...arrivalsMs);
  const windows: number[] = [];
  for (const at of arrivalsMs) {
    const index = windowOf(at, first);
    while (windows.length <= index) windows.push(0);
    windows[index] = (windows[index] ?? 0) + 1;
  }
  return windows;
}

/** Held: no window above R by more than 5%. Used: every window from `workFrom` but the last (partial) at ≥ 90% of R. */
export function judgeBudget(windows: readonly number[], maxPerSecond: number, workFrom: number): BudgetVerdict {
  const working = windows.slice(workFrom, -1);
  const peak = Math.max(0, ...windows);
  const lowest = working.length ? Math.min(...working) : 0;
  return {
    peak,
    lowest,
    held: peak <= maxPerSecond * (1 + OVER_TOLERANCE),
    used: working.length > 0 && lowest >= maxPerSecond * USE_AT_LEAST,
  };
}

/** One run of the pipeline behind a counting proxy, the budget set to `maxPerSecond`. */
export async function measureRateBudget(
  target: RunTarget,
  fhirBaseUrl: string,
  maxPerSecond: number,
  workers: number,
): Promise<BudgetFigures> {
  const proxy = await startFaultProxy(fhirBaseUrl);
  try {
    const label = `FHIR_MAX_RPS=${maxPerSecond}, ${workers} worker process${workers > 1 ? 'es' : ''}`;
    const env = { ...target.env, FHIR_BASE_URL: proxy.baseUrl, FHIR_MAX_RPS: String(maxPerSecond) };
    const pipeline = await measurePipeline({ ...target, env }, label, workers);
    const times = proxy.arrivals.map((arrival) => arrival.at);
    const windows = requestsPerWindow(times);
    const firstCreate = proxy.arrivals.find((arrival) => arrival.method === 'POST')?.at;
    const sendingFrom = firstCreate === undefined ? windows.length : windowOf(firstCreate, Math.min(...times)) + 1;
    return { label, workers, maxPerSecond, pipeline, windows, sendingFrom, verdict: judgeBudget(windows, maxPerSecond, sendingFrom) };
  } finally {
    await proxy.close();
  }
}
