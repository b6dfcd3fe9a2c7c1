/**
 * Wall-clock time in an IANA zone, from Intl alone. The two directions are not symmetric around daylight-saving
 * changes: every instant has one local time, but a local time may not exist (the spring-forward gap) or exist
 * twice (the fall-back repeat).
 */

/** A local calendar day and minute of that day; `weekday` 0 = Sunday. */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  weekday: number;
  minute: number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

// One formatter per zone: building one costs far more than using it.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

export function wallTimeAt(zone: string, at: number): WallTime {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(zone).formatToParts(at)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0 } = parts;
  return { year, month, day, weekday: weekdayOf({ year, month, day }), minute: hour * 60 + minute };
}

/** The local time as if it were UTC, in ms: comparable with other local times of the same zone. */
function wallMs(wall: Pick<WallTime, 'year' | 'month' | 'day' | 'minute'>): number {
  return Date.UTC(wall.year, wall.month - 1, wall.day) + wall.minute * MINUTE_MS;
}

/** The zone's offset from UTC at an instant, in ms, to the minute (no zone in use today has seconds). */
function offsetAt(zone: string, at: number): number {
  const floored = Math.floor(at / MINUTE_MS) * MINUTE_MS;
  return wallMs(wallTimeAt(zone, floored)) - floored;
}

/**
 * The instants, in order, at which the local time in `zone` reaches `minute` of the given day: the local time
 * itself where it exists (twice when the clocks go back and repeat it), else the end of the gap (02:30 on a
 * spring-forward night: the moment the clocks jump from 02:00 to 03:00).
 */
export function instantsOf(zone: string, date: { year: number; month: number; day: number }, minute: number): number[] {
  const wall = wallMs({ ...date, minute });
  // The offsets in force a day either side cover any transition near this local time.
  const offsets = [...new Set([offsetAt(zone, wall - DAY_MS), offsetAt(zone, wall + DAY_MS), offsetAt(zone, wall)])];
  const exact = offsets.map((offset) => wall - offset).filter((at) => offsetAt(zone, at) === wall - at);
  if (exact.length > 0) return exact.sort((a, b) => a - b);
  // In the gap: search for the transition between the two readings, both minute-aligned.
  let low = Math.min(...offsets.map((offset) => wall - offset));
  let high = Math.max(...offsets.map((offset) => wall - offset));
  while (high - low > MINUTE_MS) {
    const middle = low + Math.floor((high - low) / MINUTE_MS / 2) * MINUTE_MS;
    if (wallMs(wallTimeAt(zone, middle)) >= wall) high = middle;
    else low = middle;
  }
  return [high];
}

/** The calendar day `days` after the given one (negative: before). */
export function addDays(date: { year: number; month: number; day: number }, days: number): { year: number; month: number; day: number } {
  const moved = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: moved.getUTCFullYear(), month: moved.getUTCMonth() + 1, day: moved.getUTCDate() };
}

export function weekdayOf(date: { year: number; month: number; day: number }): number {
  return new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
}
