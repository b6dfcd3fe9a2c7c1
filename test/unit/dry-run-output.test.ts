import { describe, expect, it } from 'vitest';
import { dryRunCsv, formatDryRun } from '../../src/cli/commands/dry-run-output.ts';
import { progressLine, progressReporter } from '../../src/cli/progress.ts';
import { countOutcomes, type DryRunCandidate, DryRunReport, reasonGroup } from '../../src/pipeline/index.ts';

const refs = (n: number) => ({ triggerRef: `Procedure/t${n}`, patientRef: `Patient/p${n}` });
const LATER = '2026-12-01T14:00:00.000Z';
const EARLIER = '2026-12-01T13:00:00.000Z';

const CANDIDATES: DryRunCandidate[] = [
  { ...refs(1), outcome: 'send' },
  { ...refs(2), outcome: 'send' },
  { ...refs(3), outcome: 'review' },
  { ...refs(4), outcome: 'defer', reason: 'window: outside 09:00-20:00', notBefore: LATER },
  { ...refs(5), outcome: 'defer', reason: 'cap: 1/P1D reached', notBefore: EARLIER },
  { ...refs(6), outcome: 'defer', reason: 'window: outside 09:00-20:00', notBefore: LATER },
  { ...refs(7), outcome: 'skip', reason: 'patient is deceased' },
  { ...refs(8), outcome: 'skip', reason: 'opted-out: consent Consent/12' },
  { ...refs(9), outcome: 'skip', reason: 'opted-out: consent Consent/77' },
  { ...refs(10), outcome: 'skip', reason: 'already handled' },
];

describe('countOutcomes', () => {
  it('counts each outcome: deferrals by time, earliest first; skips by reason, most frequent first', () => {
    expect(countOutcomes(CANDIDATES)).toEqual({
      send: 2,
      review: 1,
      defer: [
        { notBefore: EARLIER, count: 1 },
        { notBefore: LATER, count: 2 },
      ],
      skip: [
        { reason: 'opted-out: consent Consent/…', count: 2 },
        { reason: 'already handled', count: 1 },
        { reason: 'patient is deceased', count: 1 },
      ],
    });
  });

  it('counts nothing for no candidates', () => {
    expect(countOutcomes([])).toEqual({ send: 0, review: 0, defer: [], skip: [] });
  });

  it('groups reasons that differ only in the resource they name', () => {
    expect(reasonGroup('opted-out: consent Consent/abc-1.2')).toBe('opted-out: consent Consent/…');
    expect(reasonGroup('template value missing: patient.firstName')).toBe('template value missing: patient.firstName');
    expect(
      reasonGroup('criteria not met: lacks Observation http://loinc.org|4548-4, within P180D (found Observation/9 (2026-10-01))'),
    ).toBe('criteria not met: lacks Observation http://loinc.org|4548-4, within P180D');
    expect(reasonGroup('criteria not met: age 18+ (age 6)')).toBe('criteria not met: age 18+');
  });
});

const REPORT = DryRunReport.parse({
  campaignId: 'wound-care',
  source: 'file',
  asOf: '2026-12-01T00:00:00.000Z',
  search: { pages: 1, unusable: 1 },
  matched: { candidates: CANDIDATES.length, patients: CANDIDATES.length },
  counts: countOutcomes(CANDIDATES),
  samples: [
    {
      ...refs(4),
      outcome: 'defer',
      notBefore: LATER,
      templateId: 'wound-care',
      language: 'es',
      trigger: {
        reference: 'Procedure/t4',
        status: 'completed',
        date: '2026-11-30',
        codings: [{ system: 'http://snomed.info/sct', code: '18557009', display: 'Suture' }],
      },
      text: 'Hola Ana,\n\nsus puntos…\n',
    },
  ],
  candidates: CANDIDATES,
});

describe('formatDryRun', () => {
  it('prints what was matched, a row per outcome, and each sample with the facts that triggered it', () => {
    expect(formatDryRun(REPORT)).toBe(
      [
        'Dry run of wound-care (campaign file, not applied) as of 2026-12-01T00:00:00.000Z: nothing was written or sent.',
        'Matched 10 trigger resources of 10 patients (1 search page; 1 unusable matches ignored).',
        '',
        ...[
          ['OUTCOME', 'COUNT'],
          ['would send now', '2'],
          ['would hold for review', '1'],
          [`would defer until ${EARLIER}`, '1'],
          [`would defer until ${LATER}`, '2'],
          ['skipped: opted-out: consent Consent/…', '2'],
          ['skipped: already handled', '1'],
          ['skipped: patient is deceased', '1'],
        ].map(([outcome, count]) => `${outcome?.padEnd(44)}${count}`),
        '',
        `--- sample 1 of 1: would defer until ${LATER}, Patient/p4`,
        'trigger: Procedure/t4, completed, dated 2026-11-30; http://snomed.info/sct|18557009 (Suture)',
        'template: wound-care (es)',
        '',
        'Hola Ana,\n\nsus puntos…',
        '',
      ].join('\n'),
    );
  });
});

describe('dryRunCsv', () => {
  it('writes a header and one line per candidate, quoting fields with commas or quotes', () => {
    const csv = dryRunCsv([
      { ...refs(1), outcome: 'send' },
      { ...refs(2), outcome: 'defer', reason: 'cap: 1/P1D, 3/P7D', notBefore: LATER },
      { ...refs(3), outcome: 'skip', reason: 'not matched: status "entered-in-error"' },
    ]);
    expect(csv).toBe(
      [
        'trigger_ref,patient_ref,outcome,reason,not_before',
        'Procedure/t1,Patient/p1,send,,',
        `Procedure/t2,Patient/p2,defer,"cap: 1/P1D, 3/P7D",${LATER}`,
        'Procedure/t3,Patient/p3,skip,"not matched: status ""entered-in-error""",',
        '',
      ].join('\n'),
    );
  });
});

describe('progress', () => {
  it('says how far the search and the decisions are', () => {
    expect(progressLine({ phase: 'search', pages: 2, matched: 900, total: 1200 })).toBe('searching: 900 of 1200 matches, 2 pages');
    expect(progressLine({ phase: 'search', pages: 1, matched: 500 })).toBe('searching: 500 matches, 1 pages');
    expect(progressLine({ phase: 'decide', done: 50, total: 200 })).toBe(`deciding: [${'#'.repeat(7)}${'.'.repeat(23)}] 50/200 candidates`);
  });

  it('redraws one line on a terminal, ending it when done, and writes nothing elsewhere', () => {
    const written: string[] = [];
    const terminal = progressReporter({ isTTY: true, write: (text: string) => written.push(text) });
    terminal?.({ phase: 'decide', done: 1, total: 2 });
    terminal?.({ phase: 'decide', done: 2, total: 2 });
    expect(written.map((line) => line.startsWith('\r\u001b[2K'))).toEqual([true, true]);
    expect(written[1]?.endsWith('2/2 candidates\n')).toBe(true);
    expect(progressReporter({ isTTY: false, write: () => expect.fail('wrote to a pipe') })).toBeUndefined();
  });
});
