import { describe, expect, it } from 'vitest';
import { queryStringOf, splitSearch } from '../../src/fhir/search-split.ts';

const patients = (count: number) => Array.from({ length: count }, (_, index) => `Patient/${String(index).padStart(36, '0')}`);

describe('splitSearch', () => {
  it('leaves a search that fits as it is', () => {
    const params = { code: 'http://loinc.org|4548-4', _count: '500' };

    expect(splitSearch(params, 200)).toEqual([params]);
  });

  it('cuts the longest list into parts that each fit, asking for every value once, in order', () => {
    const subjects = patients(300);
    const params = {
      subject: subjects.join(','),
      code: 'http://loinc.org|4548-4,http://loinc.org|17856-6',
      date: ['ge2026-01-01', 'le2026-12-01'],
    };

    const parts = splitSearch(params, 2000);

    expect(queryStringOf(params).length).toBeGreaterThan(2000);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) {
      expect(queryStringOf(part).length).toBeLessThanOrEqual(2000);
      // Everything else is asked for in every part: only the OR list is shared out.
      expect(part).toMatchObject({ code: params.code, date: params.date });
    }
    expect(parts.flatMap((part) => (part.subject as string).split(','))).toEqual(subjects);
  });

  it('cuts both lists when neither fits beside the other: every pair of values is asked for once', () => {
    const subjects = patients(60);
    const codes = Array.from({ length: 120 }, (_, index) => `http://loinc.org|${10_000 + index}-${index % 10}`);
    const params = { subject: subjects.join(','), code: codes.join(',') };

    const parts = splitSearch(params, 1000);

    for (const part of parts) expect(queryStringOf(part).length).toBeLessThanOrEqual(1000);
    const pairs = parts.flatMap((part) =>
      (part.subject as string).split(',').flatMap((subject) => (part.code as string).split(',').map((code) => `${subject} ${code}`)),
    );
    expect(pairs).toHaveLength(subjects.length * codes.length);
    expect(new Set(pairs).size).toBe(subjects.length * codes.length);
  });

  it('never cuts through an escaped comma, which is part of a value', () => {
    const values = Array.from({ length: 40 }, (_, index) => `a\\,b${index}`);

    const parts = splitSearch({ identifier: values.join(',') }, 300);

    expect(parts.length).toBeGreaterThan(1);
    expect(parts.flatMap((part) => (part.identifier as string).split(/(?<!\\),/))).toEqual(values);
  });

  it('asks for a value too long to fit alone by itself, and leaves a search with no list to cut to the server', () => {
    const long = 'x'.repeat(500);

    expect(splitSearch({ code: `${long},short` }, 300)).toEqual([{ code: long }, { code: 'short' }]);
    expect(splitSearch({ code: long }, 300)).toEqual([{ code: long }]);
  });
});
