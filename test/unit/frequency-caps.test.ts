import { describe, expect, it } from 'vitest';
import {
  ALWAYS_OPEN,
  type FrequencyCap,
  nextSlot,
  occupiedSlots,
  type PatientMessage,
  parseFrequencyCaps,
  parseSendWindow,
  type SendWindow,
} from '../../src/schedule/index.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function capsOf(text: string): FrequencyCap[] {
  const parsed = parseFrequencyCaps(text);
  if ('problem' in parsed) throw new Error(parsed.problem);
  return parsed;
}

describe('parseFrequencyCaps', () => {
  it('reads count/duration pairs, and none', () => {
    expect(capsOf('1/P1D,3/P7D')).toEqual([
      { limit: 1, periodMs: DAY, text: '1/P1D' },
      { limit: 3, periodMs: 7 * DAY, text: '3/P7D' },
    ]);
    expect(capsOf('none')).toEqual([]);
  });

  it.each([
    ['1/P1M', 'not months'],
    ['0/P1D', 'not a cap'],
    ['1 per day', 'not a cap'],
    ['1/P1D,', 'not a cap'],
    ['2/P99999D', 'at most P3650D'],
  ])('refuses %s, saying what to write', (text, problem) => {
    const parsed = parseFrequencyCaps(text);
    expect('problem' in parsed && parsed.problem).toContain(problem);
  });
});

describe('nextSlot', () => {
  const now = Date.parse('2026-03-03T15:00:00Z'); // Tuesday 10:00 in New York
  const ask = (occupied: number[], caps = capsOf('1/P1D,3/P7D'), window: SendWindow = ALWAYS_OPEN) =>
    nextSlot({ now, window, timezone: 'America/New_York', caps, occupied });

  it('is now when nothing counts against the caps', () => {
    expect(ask([])).toBe(now);
    expect(ask([now - DAY - 1])).toBe(now);
  });

  it('is when the message counted leaves the day', () => {
    expect(ask([now - 2 * HOUR])).toBe(now - 2 * HOUR + DAY);
  });

  it('is when the oldest of three messages leaves the week', () => {
    const week = [now - 6 * DAY, now - 4 * DAY, now - 2 * DAY];
    expect(ask(week)).toBe(now - 6 * DAY + 7 * DAY);
  });

  it('keeps a day before a message planned later, or goes after it', () => {
    // Planned for 10 hours from now: sending now would put two in one day.
    expect(ask([now + 10 * HOUR])).toBe(now + 10 * HOUR + DAY);
    expect(ask([now + 30 * HOUR])).toBe(now);
  });

  it('allows as many as the cap in the period', () => {
    expect(ask([now - HOUR], capsOf('2/P1D'))).toBe(now);
    expect(ask([now - HOUR, now - 3 * HOUR], capsOf('2/P1D'))).toBe(now - 3 * HOUR + DAY);
  });

  it('moves a freed slot that falls in quiet hours to the next opening', () => {
    const window = parseSendWindow('09:00-20:00') as SendWindow;
    // The day's message went out at 19:30 local: tomorrow 19:30 is inside, so that is the slot.
    expect(new Date(ask([Date.parse('2026-03-03T00:30:00Z')], capsOf('1/P1D'), window)).toISOString()).toBe('2026-03-04T00:30:00.000Z');
    // Sent at 08:00 local today (out of hours, by an exempt campaign): free at 08:00 tomorrow, open at 09:00.
    expect(new Date(ask([Date.parse('2026-03-03T13:00:00Z')], capsOf('1/P1D'), window)).toISOString()).toBe('2026-03-04T14:00:00.000Z');
  });
});

describe('occupiedSlots', () => {
  const now = 1_000_000_000_000;
  const prompt = { promptId: 'p', priority: 0, queuedAt: now };
  const message = (promptId: string, state: PatientMessage['state'], fields: Partial<PatientMessage> = {}): PatientMessage => ({
    promptId,
    state,
    priority: 0,
    queuedAt: now - HOUR,
    ...fields,
  });

  it('counts sent and reserved messages at their time, whatever their priority', () => {
    const messages = [message('a', 'sent', { at: now - HOUR, priority: -5 }), message('b', 'reserved', { at: now - 60_000 })];
    expect(occupiedSlots(messages, { ...prompt, priority: 9 }, now)).toEqual([now - HOUR, now - 60_000]);
  });

  it('counts a waiting message that ranks ahead: higher priority, or equal and older', () => {
    const messages = [
      message('higher', 'waiting', { priority: 1, queuedAt: now + 1 }),
      message('older', 'waiting'),
      message('lower', 'waiting', { priority: -1 }),
      message('younger', 'waiting', { queuedAt: now + 1 }),
    ];
    expect(occupiedSlots(messages, prompt, now)).toEqual([now, now]);
  });

  it('counts a waiting message at its not-before time when later than now, and never the prompt itself', () => {
    const messages = [
      message('later', 'waiting', { at: now + 5 * HOUR }),
      message('earlier', 'waiting', { at: now - 5 * HOUR }),
      message('p', 'reserved'),
    ];
    expect(occupiedSlots(messages, prompt, now)).toEqual([now + 5 * HOUR, now]);
  });
});
