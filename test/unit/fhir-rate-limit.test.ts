import { describe, expect, it } from 'vitest';
import { announcedWaitMs, parseRetryAfter } from '../../src/fhir/rate-limit.ts';

const NOW = Date.parse('2025-03-01T12:00:00Z');
const NOW_SECONDS = NOW / 1000;

/** Header lookup over a literal, names matched case-insensitively as HTTP does. */
const headers = (values: Record<string, string>) => (name: string) =>
  Object.entries(values).find(([key]) => key.toLowerCase() === name)?.[1];

describe('parseRetryAfter', () => {
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', NOW)).toBe(0);
  });

  it('reads an HTTP-date relative to now', () => {
    expect(parseRetryAfter('Sat, 01 Mar 2025 12:00:30 GMT', NOW)).toBe(30_000);
  });

  it('treats an HTTP-date in the past as now', () => {
    expect(parseRetryAfter('Sat, 01 Mar 2025 11:59:00 GMT', NOW)).toBe(0);
  });

  it('ignores what it cannot read', () => {
    for (const value of [null, undefined, '', '-5', '1.5', 'soon', 'Sat, 99 Foo 2025 GMT']) {
      expect(parseRetryAfter(value, NOW)).toBeUndefined();
    }
  });
});

describe('announcedWaitMs', () => {
  const cases: Array<[string, Record<string, string>, number | undefined]> = [
    ['no rate-limit headers', { 'Content-Type': 'application/fhir+json' }, undefined],
    ['Retry-After in seconds', { 'Retry-After': '7' }, 7_000],
    ['Retry-After as an HTTP-date', { 'Retry-After': 'Sat, 01 Mar 2025 12:00:05 GMT' }, 5_000],
    ['Retry-After beats the RateLimit headers', { 'Retry-After': '2', RateLimit: '"fhirInteractions";r=0;t=53' }, 2_000],
    ['RateLimit, the one policy spent (Medplum)', { RateLimit: '"fhirInteractions";r=0;t=53' }, 53_000],
    ['RateLimit, quota left', { RateLimit: '"fhirInteractions";r=12;t=53' }, undefined],
    ['RateLimit, the spent policy of two', { RateLimit: '"burst";r=4;t=1, "daily";r=0;t=3600' }, 3_600_000],
    ['RateLimit, a token policy name and spaces', { RateLimit: 'default ; r=0 ; t=9' }, 9_000],
    ['RateLimit, a quoted name holding , and ;', { RateLimit: '"a,b;c";r=0;t=4' }, 4_000],
    ['RateLimit, spent but no reset given', { RateLimit: '"p";r=0' }, undefined],
    ['RateLimit, an unreadable reset', { RateLimit: '"p";r=0;t=soon' }, undefined],
    ['RateLimit dictionary (draft-07), spent', { RateLimit: 'limit=100, remaining=0, reset=30' }, 30_000],
    [
      'RateLimit dictionary, spent, with its policy header',
      { RateLimit: 'limit=100, remaining=0, reset=30', 'RateLimit-Policy': '100;w=60' },
      30_000,
    ],
    ['RateLimit dictionary, members in another order and spacing', { RateLimit: 'reset = 12,remaining=0' }, 12_000],
    ['RateLimit dictionary, quota left', { RateLimit: 'limit=100, remaining=7, reset=30' }, undefined],
    ['RateLimit dictionary, spent but no reset given', { RateLimit: 'limit=100, remaining=0' }, undefined],
    ['RateLimit dictionary, an unreadable reset', { RateLimit: 'limit=100, remaining=0, reset=soon' }, undefined],
    ['RateLimit-Remaining 0 and RateLimit-Reset', { 'RateLimit-Remaining': '0', 'RateLimit-Reset': '30' }, 30_000],
    ['RateLimit-Remaining above 0', { 'RateLimit-Remaining': '3', 'RateLimit-Reset': '30' }, undefined],
    ['RateLimit-Remaining 0 without a reset', { 'RateLimit-Remaining': '0' }, undefined],
    ['X-RateLimit-Reset in delta seconds', { 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': '12' }, 12_000],
    ['X-RateLimit-Reset as an epoch second', { 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': String(NOW_SECONDS + 42) }, 42_000],
    [
      'X-RateLimit-Reset as an epoch second already past',
      { 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': String(NOW_SECONDS - 5) },
      0,
    ],
    ['X-RateLimit-Remaining above 0', { 'X-RateLimit-Remaining': '10', 'X-RateLimit-Reset': '12' }, undefined],
    ['X-RateLimit-Reset unreadable', { 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': '-1' }, undefined],
  ];

  it.each(cases)('%s', (_name, values, expected) => {
    expect(announcedWaitMs(headers(values), NOW)).toBe(expected);
  });
});
