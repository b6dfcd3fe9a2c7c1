/** How `campaigns dry-run` prints its report for people (a table and the sample messages) and as CSV. */
import type { DryRunCandidate, DryRunReport, DryRunSample } from '../../pipeline/index.ts';
import { formatTable } from '../output.ts';

const OUTCOME_WORDS = { send: 'would send now', review: 'would hold for review', defer: 'would defer', skip: 'skipped' } as const;

export function formatDryRun(report: DryRunReport): string {
  const { matched, search, counts } = report;
  const source = report.source === 'file' ? 'campaign file, not applied' : 'applied campaign';
  const unusable = search.unusable > 0 ? `; ${search.unusable} unusable matches ignored` : '';
  const rows: Array<[string, number]> = [
    [OUTCOME_WORDS.send, counts.send],
    [OUTCOME_WORDS.review, counts.review],
    ...counts.defer.map(({ notBefore, count }): [string, number] => [`would defer until ${notBefore}`, count]),
    ...counts.skip.map(({ reason, count }): [string, number] => [`skipped: ${reason}`, count]),
  ];
  const samples = report.samples.map((sample, index) => formatSample(sample, index, report.samples.length));
  return [
    `Dry run of ${report.campaignId} (${source}) as of ${report.asOf}: nothing was written or sent.`,
    `Matched ${matched.candidates} trigger resources of ${matched.patients} patients (${search.pages} search ${search.pages === 1 ? 'page' : 'pages'}${unusable}).`,
    '',
    formatTable(['OUTCOME', 'COUNT'], rows),
    ...(samples.length > 0 ? ['', ...samples] : []),
  ].join('\n');
}

function formatSample(sample: DryRunSample, index: number, of: number): string {
  const { trigger } = sample;
  const when = sample.outcome === 'defer' ? ` until ${sample.notBefore}` : '';
  const codes = trigger.codings.map(({ system, code, display }) => `${system ?? '-'}|${code ?? '-'}${display ? ` (${display})` : ''}`);
  return [
    `--- sample ${index + 1} of ${of}: ${OUTCOME_WORDS[sample.outcome]}${when}, ${sample.patientRef}`,
    `trigger: ${trigger.reference}, ${trigger.status ?? 'no status'}, dated ${trigger.date ?? '-'}; ${codes.join(', ')}`,
    `template: ${sample.templateId}${sample.language ? ` (${sample.language})` : ''}`,
    '',
    sample.text.trimEnd(),
    '',
  ].join('\n');
}

const CSV_HEADER = ['trigger_ref', 'patient_ref', 'outcome', 'reason', 'not_before'];

/** One line per candidate, RFC 4180 quoting. */
export function dryRunCsv(candidates: readonly DryRunCandidate[]): string {
  const lines = candidates.map((candidate) => [
    candidate.triggerRef,
    candidate.patientRef,
    candidate.outcome,
    candidate.outcome === 'send' ? '' : (candidate.reason ?? ''),
    candidate.outcome === 'defer' ? candidate.notBefore : '',
  ]);
  return `${[CSV_HEADER, ...lines].map((fields) => fields.map(csvField).join(',')).join('\n')}\n`;
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
