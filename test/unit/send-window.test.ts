import { describe, expect, it } from 'vitest';
import { isInsideWindow, nextWindowOpening, parseSendWindow, type SendWindow } from '../../src/schedule/index.ts';

function windowOf(text: string): SendWindow {
  const parsed = parseSendWindow(text);
  if ('problem' in parsed) throw new Error(parsed.problem);
  return parsed;
}

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe('parseSendWindow', () => {
  it.each([
    ['09:00-20:00', { start: 540, end: 1200, days: [0, 1, 2, 3, 4, 5, 6] }],
    ['09:00-20:00 mon-sat', { start: 540, end: 1200, days: [1, 2, 3, 4, 5, 6] }],
    ['22:00-06:00 fri-mon', { start: 1320, end: 360, days: [0, 1, 5, 6] }],
    ['08:30-24:00 mon,wed-thu', { start: 510, end: 1440, days: [1, 3, 4] }],
  ])('reads %s', (text, expected) => {
    const window = windowOf(text);
    expect({ start: window.start, end: window.end, days: [...window.days].sort() }).toEqual(expected);
  });

  it.each([
    ['9-20', 'is not a send window'],
    ['09:00-25:00', '24-hour clock'],
    ['09:60-20:00', '24-hour clock'],
    ['24:00-06:00', '24-hour clock'],
    ['09:00-09:00', 'write "always"'],
    ['09:00-20:00 monday', 'three-letter day names'],
    ['09:00-20:00 mon-fri-sat', 'three-letter day names'],
  ])('refuses %s, saying what to write', (text, problem) => {
    const parsed = parseSendWindow(text);
    expect('problem' in parsed && parsed.problem).toContain(problem);
  });
});

describe('isInsideWindow', () => {
  const day = windowOf('09:00-20:00 mon-fri');
  const night = windowOf('22:00-06:00 fri');

  it.each([
    // Tuesday 2026-03-03 in New York (UTC-5).
    ['2026-03-03T13:59:59Z', false],
    ['2026-03-03T14:00:00Z', true],
    ['2026-03-04T00:59:00Z', true],
    ['2026-03-04T01:00:00Z', false],
    // Saturday.
    ['2026-03-07T16:00:00Z', false],
  ])('a weekday window in New York at %s: %s', (instant, inside) => {
    expect(isInsideWindow(day, 'America/New_York', at(instant))).toBe(inside);
  });

  it.each([
    // Friday 2026-03-06 21:59 and 22:00 in Berlin (UTC+1), Saturday 05:59 and 06:00, Friday 05:00 (Thursday's night is not open).
    ['2026-03-06T20:59:00Z', false],
    ['2026-03-06T21:00:00Z', true],
    ['2026-03-07T04:59:00Z', true],
    ['2026-03-07T05:00:00Z', false],
    ['2026-03-06T04:00:00Z', false],
  ])('a window crossing midnight, opening Fridays, in Berlin at %s: %s', (instant, inside) => {
    expect(isInsideWindow(night, 'Europe/Berlin', at(instant))).toBe(inside);
  });

  it('reads the time in the zone given, not the host’s', () => {
    const instant = at('2026-03-03T15:00:00Z');
    expect(isInsideWindow(day, 'America/New_York', instant)).toBe(true); // 10:00
    expect(isInsideWindow(day, 'Asia/Tokyo', instant)).toBe(false); // 00:00
  });
});

describe('nextWindowOpening', () => {
  const daily = windowOf('09:00-20:00');

  it('is the instant itself inside the window', () => {
    expect(nextWindowOpening(daily, 'America/New_York', at('2026-03-03T15:00:00Z'))).toBe(at('2026-03-03T15:00:00Z'));
  });

  it('is this morning before it opens, tomorrow morning after it closes', () => {
    expect(iso(nextWindowOpening(daily, 'America/New_York', at('2026-03-03T08:00:00Z')))).toBe('2026-03-03T14:00:00.000Z');
    expect(iso(nextWindowOpening(daily, 'America/New_York', at('2026-03-04T02:00:00Z')))).toBe('2026-03-04T14:00:00.000Z');
  });

  it('skips the days the window is shut: Saturday evening to Monday morning', () => {
    const weekdays = windowOf('09:00-20:00 mon-fri');
    expect(iso(nextWindowOpening(weekdays, 'Europe/Berlin', at('2026-03-07T19:00:00Z')))).toBe('2026-03-09T08:00:00.000Z');
  });

  it('keeps 09:00 local across the spring-forward night (New York, 8 March 2026)', () => {
    // Saturday 20:00 EST → Sunday 09:00 EDT, 12 hours later, not 13.
    expect(iso(nextWindowOpening(daily, 'America/New_York', at('2026-03-08T01:00:00Z')))).toBe('2026-03-08T13:00:00.000Z');
  });

  it('keeps 09:00 local across the fall-back night (Berlin, 25 October 2026)', () => {
    // Saturday 21:00 CEST → Sunday 09:00 CET.
    expect(iso(nextWindowOpening(daily, 'Europe/Berlin', at('2026-10-24T19:00:00Z')))).toBe('2026-10-25T08:00:00.000Z');
  });

  it('opens a window starting in the skipped hour when the clocks jump past it (New York, 02:30 on 8 March 2026)', () => {
    const skipped = windowOf('02:30-05:00');
    // 02:00 EST becomes 03:00 EDT at 07:00Z: the first local time at or after 02:30 is 03:00 EDT.
    const opening = nextWindowOpening(skipped, 'America/New_York', at('2026-03-08T06:00:00Z'));
    expect(iso(opening)).toBe('2026-03-08T07:00:00.000Z');
    expect(isInsideWindow(skipped, 'America/New_York', opening)).toBe(true);
    expect(isInsideWindow(skipped, 'America/New_York', opening - 60_000)).toBe(false);
  });

  it('opens a window starting in the repeated hour at its first occurrence (New York, 01:30 on 1 November 2026)', () => {
    const repeated = windowOf('01:30-01:45');
    // 01:30 EDT is 05:30Z; 01:30 EST (06:30Z) comes an hour later.
    expect(iso(nextWindowOpening(repeated, 'America/New_York', at('2026-11-01T04:00:00Z')))).toBe('2026-11-01T05:30:00.000Z');
    // After the first occurrence closed, the second occurrence of 01:30 opens it again.
    expect(iso(nextWindowOpening(repeated, 'America/New_York', at('2026-11-01T06:00:00Z')))).toBe('2026-11-01T06:30:00.000Z');
  });

  it('handles Lord Howe Island’s half-hour shift (4 October 2026: 02:00 becomes 02:30)', () => {
    const skipped = windowOf('02:10-04:00');
    // Before: UTC+10:30; 02:00 local is 15:30Z the day before, and then it is 02:30 (UTC+11).
    const opening = nextWindowOpening(skipped, 'Australia/Lord_Howe', at('2026-10-03T15:00:00Z'));
    expect(iso(opening)).toBe('2026-10-03T15:30:00.000Z');
    expect(iso(nextWindowOpening(daily, 'Australia/Lord_Howe', at('2026-10-03T12:00:00Z')))).toBe('2026-10-03T22:00:00.000Z');
  });

  it('opens a window crossing midnight this evening, or in its morning tail', () => {
    const night = windowOf('22:00-06:00');
    expect(iso(nextWindowOpening(night, 'Europe/Berlin', at('2026-03-03T12:00:00Z')))).toBe('2026-03-03T21:00:00.000Z');
    expect(iso(nextWindowOpening(night, 'Europe/Berlin', at('2026-03-04T03:00:00Z')))).toBe('2026-03-04T03:00:00.000Z');
  });
});
