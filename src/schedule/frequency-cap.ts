/**
 * Frequency caps: at most `limit` messages to one patient in any `period` (rolling, across all campaigns), e.g.
 * `1/P1D,3/P7D`: one a day and three a week.
 */
import { DURATION_HINT, MAX_DURATION, parseDurationMs } from '../time/index.ts';

export interface FrequencyCap {
  limit: number;
  periodMs: number;
  /** As written (`1/P1D`), for reasons and messages. */
  text: string;
}

export const FREQUENCY_CAP_HINT = 'comma-separated count/duration pairs, e.g. "1/P1D,3/P7D", or "none"';

/** The caps a text lists (`none`: no cap), or the problem with it. */
export function parseFrequencyCaps(text: string): FrequencyCap[] | { problem: string } {
  const trimmed = text.trim();
  if (trimmed.toLowerCase() === 'none') return [];
  const caps: FrequencyCap[] = [];
  for (const part of trimmed.split(',').map((item) => item.trim())) {
    const match = /^(\d{1,4})\/(P\S+)$/.exec(part);
    const limit = Number(match?.[1]);
    const periodMs = match?.[2] ? parseDurationMs(match[2]) : undefined;
    if (!match || !(limit >= 1)) return { problem: `has "${part}", which is not a cap: write ${FREQUENCY_CAP_HINT}` };
    if (!periodMs || periodMs > MAX_DURATION.ms)
      return { problem: `has "${part}" whose period must be ${DURATION_HINT}, at most ${MAX_DURATION.text}` };
    caps.push({ limit, periodMs, text: part });
  }
  return caps;
}
