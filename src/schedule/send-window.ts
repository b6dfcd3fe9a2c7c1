/**
 * Quiet hours as their complement: the send window, the hours of the patient's own day when a message may arrive
 * (`09:00-20:00`, `09:00-20:00 mon-sat`, `22:00-06:00` for night workers). A window that ends before it starts
 * crosses midnight and belongs to the day it opens on: `22:00-06:00 fri` runs from Friday 22:00 to Saturday 06:00.
 */
import { addDays, instantsOf, type WallTime, wallTimeAt, weekdayOf } from './wall-clock.ts';

export interface SendWindow {
  /** Minutes after local midnight: opens at `start`, closes at `end` (1440: midnight at the end of the day). */
  start: number;
  end: number;
  /** The weekdays it opens on, 0 = Sunday. */
  days: ReadonlySet<number>;
  /** As written, for messages. */
  text: string;
}

const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const EVERY_DAY = new Set([0, 1, 2, 3, 4, 5, 6]);
const MINUTES_PER_DAY = 1440;

export const SEND_WINDOW_HINT = 'HH:MM-HH:MM with optional days, e.g. "09:00-20:00", "09:00-20:00 mon-sat" or "22:00-06:00 mon,wed,fri"';

/** Open around the clock: what `always` means. */
export const ALWAYS_OPEN: SendWindow = { start: 0, end: MINUTES_PER_DAY, days: EVERY_DAY, text: 'always' };

/** The window a text describes, or the problem with it (to be shown after the field's name). */
export function parseSendWindow(text: string): SendWindow | { problem: string } {
  const trimmed = text.trim().toLowerCase();
  if (trimmed === 'always') return ALWAYS_OPEN;
  const match = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})(?:\s+(\S+))?$/.exec(trimmed);
  if (!match) return { problem: `is not a send window: write ${SEND_WINDOW_HINT}, or "always"` };
  const [, startHour, startMinute, endHour, endMinute, dayText] = match;
  const start = minuteOf(startHour, startMinute);
  const end = minuteOf(endHour, endMinute);
  if (start === undefined || end === undefined || start === MINUTES_PER_DAY) {
    return { problem: 'has a time that is not on a 24-hour clock: hours 00-23 (24:00 only as the end), minutes 00-59' };
  }
  if (start === end) return { problem: 'opens and closes at the same time: write "always" for no quiet hours' };
  const days = dayText ? daysOf(dayText) : EVERY_DAY;
  if ('problem' in days) return days;
  return { start, end, days, text: text.trim() };
}

function minuteOf(hour = '', minute = ''): number | undefined {
  const h = Number(hour);
  const m = Number(minute);
  if (m > 59 || h > 24 || (h === 24 && m > 0)) return undefined;
  return h * 60 + m;
}

/** `mon-fri`, `sat,sun`, `mon-wed,fri`; a range may wrap (`fri-mon`). */
function daysOf(text: string): Set<number> | { problem: string } {
  const days = new Set<number>();
  for (const part of text.split(',')) {
    const [from, to = from, extra] = part.split('-').map((name) => DAY_NAMES.indexOf(name as (typeof DAY_NAMES)[number]));
    if (from === undefined || to === undefined || from < 0 || to < 0 || extra !== undefined) {
      return {
        problem: `has days "${text}": use three-letter day names (${DAY_NAMES.join(', ')}), ranges such as mon-fri, commas between`,
      };
    }
    for (let day = from; ; day = (day + 1) % 7) {
      days.add(day);
      if (day === to) break;
    }
  }
  return days;
}

const crossesMidnight = (window: SendWindow) => window.end < window.start;

/** Whether a message may arrive at `at` (epoch ms) for someone living in `zone`. */
export function isInsideWindow(window: SendWindow, zone: string, at: number): boolean {
  if (window === ALWAYS_OPEN) return true;
  return insideAt(window, wallTimeAt(zone, at));
}

function insideAt(window: SendWindow, wall: WallTime): boolean {
  if (!crossesMidnight(window)) return window.days.has(wall.weekday) && wall.minute >= window.start && wall.minute < window.end;
  // After the evening opening, or in the morning tail of the window opened the day before.
  return (
    (window.days.has(wall.weekday) && wall.minute >= window.start) || (window.days.has((wall.weekday + 6) % 7) && wall.minute < window.end)
  );
}

/**
 * The first instant at or after `from` (epoch ms) when the window is open in `zone`: `from` itself inside it. An
 * opening time the clocks skip (02:30 on a spring-forward night) opens when they jump past it; one they repeat
 * (01:30 when they go back) opens at each occurrence.
 */
export function nextWindowOpening(window: SendWindow, zone: string, from: number): number {
  const wall = wallTimeAt(zone, from);
  if (insideAt(window, wall)) return from;
  // The opening is at most a week away: look at each day's opening from today on (a day ahead for skipped zones).
  for (let offset = 0; offset <= 8; offset += 1) {
    const date = addDays(wall, offset);
    if (!window.days.has(weekdayOf(date))) continue;
    const opening = instantsOf(zone, date, window.start).find((instant) => instant >= from);
    if (opening !== undefined) return opening;
  }
  throw new Error(`send window "${window.text}" never opens`);
}
