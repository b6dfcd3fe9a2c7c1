/** The benchmark's figures as readable tables and as the JSON written to bench/results/. */
import { formatTable } from '../src/cli/output.ts';
import type { Ceiling } from './baselines.ts';
import type { CampaignSetRun, CriteriaCampaigns } from './criteria-campaigns.ts';
import type { PipelineFigures } from './pipeline-run.ts';
import type { BudgetFigures } from './rate-budget.ts';
import { RULES_ENV, type RulesOverhead, type RulesRun, requestsPerMessage } from './rules-overhead.ts';
import { cpuOf, STRICT_TARGET, type StrictOverhead, type StrictRun } from './strict-overhead.ts';
import { refusals } from './strict-server.ts';

export interface BenchResults {
  startedAt: string;
  machine: { cpus: number; cpuModel: string; node: string; platform: string };
  /** The machine's load averages (1, 5, 15 min) when the bench started and ended: others' work shares the cores. */
  load?: { atStart: number[]; atEnd?: number[] };
  settings: { patients: number; full: boolean; concurrency: number; pageSize: number; seed: number; engineHeapMb: number };
  headline?: { pipeline: PipelineFigures; baselines: Ceiling[]; ratios: Record<string, number>; tightest: string; ratioToTightest: number };
  incremental: PipelineFigures[];
  growth: PipelineFigures[];
  scaleOut: PipelineFigures[];
  rateBudget: BudgetFigures[];
  strictOverhead?: StrictOverhead;
  rulesOverhead?: RulesOverhead;
  criteriaCampaigns?: CriteriaCampaigns;
}

const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
const seconds = (ms: number | null) => (ms === null ? '-' : (ms / 1000).toFixed(2));
const rate = (perSecond: number) => perSecond.toFixed(1);

function runTable(runs: PipelineFigures[]): string {
  return formatTable(
    [
      'RUN',
      'PATIENTS',
      'WORKERS',
      'MATCHED',
      'SENT',
      'SENT/S',
      'WALL S',
      'FIRST MSG S',
      'LAST MSG S',
      'PEAK RSS MIB',
      'SEARCH PAGES',
      'READS',
      'CREATES',
    ],
    runs.map((run) => [
      run.label,
      run.patients,
      run.workers === 0 ? 'in-process' : run.workers,
      run.matched,
      run.sent,
      rate(run.sentPerSecond),
      seconds(run.runMs),
      seconds(run.firstMessageMs),
      seconds(run.lastMessageMs),
      mib(run.peakRssBytes),
      run.fhirRequests.searchPages,
      run.fhirRequests.reads,
      run.fhirRequests.creates,
    ]),
  );
}

/** CPU per message sent, by process, and how many of the machine's cores the run kept busy. */
function cpuTable(runs: PipelineFigures[], ceiling: Ceiling | undefined): string {
  const perMessage = (ms: number, sent: number) => (sent === 0 ? '-' : (ms / sent).toFixed(3));
  const rows = runs.flatMap((run) => {
    if (!run.cpu) return [];
    const { engineMs, fhirServerMs, postgresMs, redisMs } = run.cpu;
    const all = engineMs + fhirServerMs + postgresMs + redisMs;
    return [
      [
        run.label,
        perMessage(engineMs, run.sent),
        perMessage(fhirServerMs, run.sent),
        perMessage(postgresMs, run.sent),
        perMessage(redisMs, run.sent),
        perMessage(all, run.sent),
        (all / run.runMs).toFixed(2),
      ],
    ];
  });
  if (ceiling?.cpu) {
    const { clientMs, fhirServerMs } = ceiling.cpu;
    rows.push([
      `ceiling: ${ceiling.name} (engine = the loop)`,
      perMessage(clientMs, ceiling.items),
      perMessage(fhirServerMs, ceiling.items),
      '-',
      '-',
      perMessage(clientMs + fhirServerMs, ceiling.items),
      ((clientMs + fhirServerMs) / ceiling.ms).toFixed(2),
    ]);
  }
  return formatTable(['RUN', 'ENGINE', 'FHIR SERVER', 'POSTGRESQL', 'REDIS', 'ALL', 'CORES BUSY'], rows);
}

export function formatResults(results: BenchResults): string {
  const { settings, machine } = results;
  const heap = settings.engineHeapMb > 0 ? `${settings.engineHeapMb} MB` : "Node's default";
  const parts: string[] = [
    `${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}; WORKER_CONCURRENCY ${settings.concurrency}, ` +
      `FHIR page size ${settings.pageSize}, engine heap limit ${heap}` +
      (results.load ? `; load average ${loadOf(results.load.atStart)} at the start, ${loadOf(results.load.atEnd)} at the end` : ''),
  ];
  const { headline } = results;
  if (headline) {
    parts.push('Pipeline vs. the ceilings of its parts (same machine, same run)');
    parts.push(
      formatTable(
        ['WHAT', 'ITEMS', 'SECONDS', 'PER SECOND', 'PIPELINE / CEILING'],
        [
          [
            'careprompt pipeline (prompts sent)',
            headline.pipeline.sent,
            seconds(headline.pipeline.runMs),
            rate(headline.pipeline.sentPerSecond),
            '',
          ],
          ...headline.baselines.map((b) => [b.name, b.items, seconds(b.ms), rate(b.perSecond), pct(headline.ratios[b.name] ?? 0)]),
        ],
      ),
    );
    parts.push(`Headline: pipeline at ${pct(headline.ratioToTightest)} of the tightest ceiling (${headline.tightest}).`);
  }
  if (results.incremental.length) parts.push('Runs (first, quiet re-run, 1% of triggers changed)', runTable(results.incremental));
  const measured = [...results.incremental.slice(0, 1), ...results.growth, ...results.scaleOut].filter((run) => run.cpu && run.sent > 0);
  const fhirCeiling = results.headline?.baselines.find((b) => b.cpu);
  if (measured.length || fhirCeiling) {
    parts.push(
      `CPU per message sent, ms, by process (${results.machine.cpus} cores; CORES BUSY = all CPU ÷ wall time)`,
      cpuTable(measured, fhirCeiling),
    );
  }
  if (results.growth.length) parts.push('Cost growth with population', runTable(results.growth));
  if (results.scaleOut.length) parts.push('Scale-out (coordinator + N worker processes)', runTable(results.scaleOut));
  if (results.strictOverhead) parts.push(strictReport(results.strictOverhead));
  if (results.rulesOverhead) parts.push(rulesReport(results.rulesOverhead));
  if (results.criteriaCampaigns) parts.push(criteriaReport(results.criteriaCampaigns));
  if (results.rateBudget.length) parts.push(budgetReport(results.rateBudget));
  return parts.join('\n\n');
}

/** Requests per one-second window at the FHIR server, and whether the budget held and was used. */
function budgetReport(runs: BudgetFigures[]): string {
  const lines = ['Request budget (FHIR requests per one-second window, as the FHIR server received them)'];
  for (const run of runs) {
    const { peak, lowest, held, used } = run.verdict;
    const R = run.maxPerSecond;
    lines.push(
      `${run.label}: ${run.pipeline.sent} sent in ${seconds(run.pipeline.runMs)} s`,
      `  per second: ${run.windows.join(' ')}`,
      `  held (no window above ${(R * 1.05).toFixed(1)}): peak ${peak} ${held ? 'ok' : 'EXCEEDED'}; ` +
        `used (windows ${run.sendingFrom + 1}–${run.windows.length - 1}, sending, ≥ ${(R * 0.9).toFixed(1)}): lowest ${lowest} ${used ? 'ok' : 'UNDER'}`,
    );
  }
  const pass = runs.every((run) => run.verdict.held && run.verdict.used);
  lines.push(
    `Budget: ${pass ? 'PASS' : 'FAIL'} (held and used in ${runs.filter((r) => r.verdict.held && r.verdict.used).length} of ${runs.length} runs)`,
  );
  return lines.join('\n');
}

function pct(ratio: number): string {
  return `${(ratio * 100).toFixed(0)}%`;
}

type Figure<R> = [name: string, of: (run: R) => number | undefined, digits: number];

/** Runs of two sides side by side, one column per run, then each side's mean and the change from off to on. */
function onOffTable<R>(runs: readonly R[], isOn: (run: R) => boolean, figures: ReadonlyArray<Figure<R>>): string {
  const sides = [false, true].map((on) => runs.filter((run) => isOn(run) === on));
  const mean = (values: Array<number | undefined>) =>
    values.some((value) => value === undefined) ? undefined : values.reduce<number>((sum, value) => sum + (value ?? 0), 0) / values.length;
  const shown = (value: number | undefined, digits: number) => (value === undefined ? '-' : value.toFixed(digits));
  const rows = figures.map(([name, of, digits]) => {
    const [off, on] = sides.map((side) => mean(side.map(of)));
    const change =
      off === undefined || on === undefined || off === 0 ? '-' : `${on >= off ? '+' : ''}${((on / off - 1) * 100).toFixed(1)}%`;
    return [name, ...runs.map((run) => shown(of(run), digits)), shown(off, digits), shown(on, digits), change];
  });
  return formatTable(
    ['', ...runs.map((run, index) => `${index + 1}: ${isOn(run) ? 'ON' : 'off'}`), 'OFF MEAN', 'ON MEAN', 'ON VS OFF'],
    rows,
  );
}

/** CPU per message, by process, and the FHIR requests: what both on/off sections show. */
function pipelineFigures<R>(pipelineOf: (run: R) => PipelineFigures): Array<Figure<R>> {
  const perSent = (run: R, ms: number | undefined) => {
    const { sent } = pipelineOf(run);
    return ms === undefined || sent === 0 ? undefined : ms / sent;
  };
  return [
    ['messages sent', (run) => pipelineOf(run).sent, 0],
    ['sent/s', (run) => pipelineOf(run).sentPerSecond, 1],
    ['wall s', (run) => pipelineOf(run).runMs / 1000, 2],
    ['CPU ms/message: engine', (run) => perSent(run, pipelineOf(run).cpu?.engineMs), 3],
    ['  FHIR server', (run) => perSent(run, pipelineOf(run).cpu?.fhirServerMs), 3],
    ['  PostgreSQL', (run) => perSent(run, pipelineOf(run).cpu?.postgresMs), 3],
    ['  Redis', (run) => perSent(run, pipelineOf(run).cpu?.redisMs), 3],
    ['  engine + PostgreSQL + Redis', (run) => perSent(run, cpuOf(pipelineOf(run))?.engineSide), 3],
    ['  all', (run) => perSent(run, cpuOf(pipelineOf(run))?.all), 3],
    ['FHIR search pages', (run) => pipelineOf(run).fhirRequests.searchPages, 0],
    ['FHIR reads', (run) => pipelineOf(run).fhirRequests.reads, 0],
    ['FHIR creates', (run) => pipelineOf(run).fhirRequests.creates, 0],
  ];
}

const percent = (ratio: number) => `${(ratio * 100).toFixed(1)}%`;
const signed = (ratio: number) => `${ratio >= 0 ? '+' : ''}${percent(ratio)}`;

/** The strict and the plain runs side by side. */
function strictReport({ patients, runs, verdict }: StrictOverhead): string {
  const figures: Array<Figure<StrictRun>> = [
    ...pipelineFigures<StrictRun>((run) => run.pipeline),
    ['tokens issued', (run) => run.server.tokensIssued, 0],
    ['refused by a strict mode', (run) => refusals(run.server), 0],
  ];
  const { throughputCost, cpuPerMessageCost: cpu } = verdict;
  return [
    `Strict test-server modes, none firing (${patients} patients; SMART Backend Services auth, include cap 1000, ` +
      '409 share 0, rate limit never reached), run alternately',
    onOffTable(runs, (run) => run.strict, figures),
    `${throughputCost >= 0 ? `Strict costs ${percent(throughputCost)} of throughput` : `Strict was ${percent(-throughputCost)} faster`} ` +
      `(target: costs < ${pct(STRICT_TARGET)}): ${verdict.met ? 'MET' : 'NOT MET'}` +
      `${verdict.refusals ? ` (${verdict.refusals} requests refused: a fault fired, the figures are not the checks' cost)` : ''}; ` +
      `CPU per message ${signed(cpu.all)} (engine + PostgreSQL + Redis ${signed(cpu.engineSide)}, FHIR server ${signed(cpu.fhirServer)})`,
  ].join('\n');
}

/** Quiet hours and caps on and off side by side; per match as well, since the caps defer some messages. */
function rulesReport({ patients, runs }: RulesOverhead): string {
  const perMatch = (run: RulesRun, value: number | undefined) => (value === undefined ? undefined : value / run.pipeline.matched);
  const figures: Array<Figure<RulesRun>> = [
    ['matches', (run) => run.pipeline.matched, 0],
    ...pipelineFigures<RulesRun>((run) => run.pipeline),
    ['deferred (a cap)', (run) => run.deferred, 0],
    ['withdrawn (capped)', (run) => run.capped, 0],
    ['CPU ms/match: all', (run) => perMatch(run, cpuOf(run.pipeline)?.all), 3],
    ['  engine + PostgreSQL + Redis', (run) => perMatch(run, cpuOf(run.pipeline)?.engineSide), 3],
    ['FHIR requests/match', (run) => perMatch(run, run.pipeline.fhirRequests.searchPages + run.pipeline.fhirRequests.reads), 4],
    ['FHIR requests/message', (run) => requestsPerMessage(run.pipeline), 4],
  ];
  return [
    `Quiet hours (SEND_WINDOW ${RULES_ENV.SEND_WINDOW}: open, but read for every prompt) and frequency caps ` +
      `(${RULES_ENV.FREQUENCY_CAP}) on and off (${patients} patients), run alternately`,
    onOffTable(runs, (run) => run.rules, figures),
  ].join('\n');
}

function criteriaReport({ patients, runs }: CriteriaCampaigns): string {
  const requests = (figures: PipelineFigures) =>
    figures.fhirRequests.searchPages + figures.fhirRequests.reads + figures.fhirRequests.creates;
  const perDecided = (run: CampaignSetRun, value: number | undefined) =>
    value === undefined || run.decided === 0 ? undefined : value / run.decided;
  const figures: Array<Figure<CampaignSetRun>> = [
    ['candidates matched', (run) => run.pipeline.matched, 0],
    ['prompts decided (rows)', (run) => run.decided, 0],
    ['messages sent', (run) => run.pipeline.sent, 0],
    ['run s', (run) => run.pipeline.runMs / 1000, 1],
    ['FHIR requests', (run) => requests(run.pipeline), 0],
    ['FHIR requests/decided', (run) => perDecided(run, requests(run.pipeline)), 4],
    ['FHIR requests/message', (run) => requestsPerMessage(run.pipeline), 4],
    ['CPU ms/decided: all', (run) => perDecided(run, cpuOf(run.pipeline)?.all), 3],
    ['  engine + PostgreSQL + Redis', (run) => perDecided(run, cpuOf(run.pipeline)?.engineSide), 3],
    ['quiet re-run: FHIR requests', (run) => requests(run.quiet), 0],
    ['quiet re-run: s', (run) => run.quiet.runMs / 1000, 1],
  ];
  return [
    `The criteria campaigns (ON) beside the single-trigger campaigns (off), each set alone (${patients} patients), run alternately`,
    onOffTable(runs, (run) => run.criteria, figures),
  ].join('\n');
}

function loadOf(averages: number[] | undefined): string {
  return averages ? averages.map((average) => average.toFixed(2)).join(' / ') : '-';
}
