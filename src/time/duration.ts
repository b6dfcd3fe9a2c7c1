/**
 * ISO-8601 durations, limited to exact units (weeks, days, hours, minutes). Months and years have
 * no fixed length, so "P1M" is refused with a suggestion rather than silently taken as 30 days.
 */
const DURATION = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/;

export function parseDurationMs(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (!match || text === 'P' || text.endsWith('T')) return undefined;
  const [weeks = 0, days = 0, hours = 0, minutes = 0] = match.slice(1).map((part) => Number(part ?? 0));
  return (((weeks * 7 + days) * 24 + hours) * 60 + minutes) * 60_000;
}

export const DURATION_HINT =
  'an ISO-8601 duration in weeks, days, hours or minutes, e.g. P3D, P2W or PT12H (not months or years: use P30D)';

/**
 * Durations longer than this are refused: no clinical window needs more, and dates that far away overflow the
 * date arithmetic of every poll (`P99999999999D` made each one throw `RangeError: Invalid time value`).
 */
export const MAX_DURATION = { text: 'P3650D', ms: 3650 * 86_400_000, words: 'ten years' } as const;
