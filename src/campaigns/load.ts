/**
 * Reading campaign files. A file is accepted whole or not at all; every problem is reported with the
 * file, the field path and what to write instead.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { AgeRange, Exclusion, OPERATORS, RecordMatch, ValueTest } from '../criteria/index.ts';
import { closestMatch } from './closest-match.ts';
import { Campaign, Cohort, Schedule, Trigger } from './schema.ts';

export interface LoadedCampaign {
  file: string;
  campaign: Campaign;
  /** sha256 of the normalised definition: a changed file gives a changed hash. */
  hash: string;
  /** The file's text, kept as the campaign's version when applied. */
  source: string;
}

export interface CampaignProblem {
  file: string;
  field: string;
  message: string;
}

export class CampaignFileError extends Error {
  constructor(readonly problems: CampaignProblem[]) {
    super(problems.map((problem) => `${problem.file}: ${problem.field ? `${problem.field} ` : ''}${problem.message}`).join('\n'));
    this.name = 'CampaignFileError';
  }
}

/** Checks that need the outside world (e.g. does the template exist?), injected by the caller. */
export type CampaignCheck = (campaign: Campaign) => Array<{ field: string; message: string }>;

/** Parses one file's text; pure apart from the optional check. */
export function parseCampaign(file: string, text: string, check?: CampaignCheck): LoadedCampaign {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? ` at line ${error.linePos[0].line}` : '';
    throw new CampaignFileError([{ file, field: '', message: `is not valid YAML${where}: fix the syntax` }]);
  }
  const shape = shapeProblem(raw);
  if (shape) throw new CampaignFileError([{ file, field: '', message: shape }]);
  // reportInput: the messages say what was written instead (a campaign file holds no patient data).
  const parsed = Campaign.safeParse(raw, { reportInput: true });
  if (!parsed.success) throw new CampaignFileError(parsed.error.issues.flatMap((issue) => describeIssue(file, issue)));
  const problems = (check?.(parsed.data) ?? []).map((problem) => ({ file, ...problem }));
  if (problems.length > 0) throw new CampaignFileError(problems);
  return { file, campaign: parsed.data, hash: hashDefinition(parsed.data), source: text };
}

const EXPECTED_SHAPE =
  'a campaign file holds one mapping with id, name, schedule, trigger and template (see jobs/*.yaml): one campaign per file';

/** A file that is not one mapping gets one message saying what it should hold, not a "required" per field. */
function shapeProblem(raw: unknown): string | undefined {
  if (raw === null || raw === undefined) return `is empty: ${EXPECTED_SHAPE}`;
  if (Array.isArray(raw)) return `is a list: ${EXPECTED_SHAPE}`;
  if (typeof raw !== 'object') return `is a single value, not a mapping: ${EXPECTED_SHAPE}`;
  return undefined;
}

/** Loads a file or every `*.yaml`/`*.yml` in a folder; all files are checked before any error is thrown. */
export async function loadCampaigns(path: string, check?: CampaignCheck): Promise<LoadedCampaign[]> {
  const files = (await stat(path)).isDirectory()
    ? (await readdir(path))
        .filter((name) => /\.ya?ml$/.test(name))
        .sort()
        .map((name) => join(path, name))
    : [path];
  const loaded: LoadedCampaign[] = [];
  const problems: CampaignProblem[] = [];
  for (const file of files) {
    try {
      loaded.push(parseCampaign(file, await readFile(file, 'utf8'), check));
    } catch (error) {
      if (!(error instanceof CampaignFileError)) throw error;
      problems.push(...error.problems);
    }
  }
  problems.push(...duplicateIds(loaded));
  if (problems.length > 0) throw new CampaignFileError(problems);
  return loaded;
}

function duplicateIds(loaded: LoadedCampaign[]): CampaignProblem[] {
  const firstFile = new Map<string, string>();
  const problems: CampaignProblem[] = [];
  for (const { file, campaign } of loaded) {
    const earlier = firstFile.get(campaign.id);
    if (earlier) problems.push({ file, field: 'id', message: `"${campaign.id}" is already used by ${earlier}: ids must be unique` });
    else firstFile.set(campaign.id, file);
  }
  return problems;
}

/** The kinds of mapping a campaign file holds, each with its fields and the kind of mapping under each field. */
type Mapping = 'campaign' | 'schedule' | 'trigger' | 'cohort' | 'criterion' | 'exclusion' | 'match' | 'value' | 'age';
const FIELDS: Record<Mapping, readonly string[]> = {
  campaign: Object.keys(Campaign.shape),
  schedule: Object.keys(Schedule.shape),
  trigger: Object.keys(Trigger.shape),
  cohort: Object.keys(Cohort.shape),
  criterion: OPERATORS,
  exclusion: Object.keys(Exclusion.shape),
  match: Object.keys(RecordMatch.shape),
  value: Object.keys(ValueTest.shape),
  age: Object.keys(AgeRange.shape),
};
const OPERATOR_CHILDREN: Partial<Record<string, Mapping>> = {
  all: 'criterion',
  any: 'criterion',
  not: 'criterion',
  has: 'match',
  lacks: 'match',
  age: 'age',
};
const CHILDREN: Record<Mapping, Partial<Record<string, Mapping>>> = {
  campaign: { schedule: 'schedule', trigger: 'trigger', cohort: 'cohort', when: 'criterion', exclude: 'exclusion' },
  schedule: {},
  trigger: { value: 'value' },
  cohort: {},
  criterion: OPERATOR_CHILDREN,
  exclusion: OPERATOR_CHILDREN,
  match: { value: 'value' },
  value: {},
  age: {},
};

/** The fields of the mapping at this path (`when.all.0.lacks`), for "did you mean"; list indexes are stepped over. */
function fieldsAt(path: readonly PropertyKey[]): readonly string[] {
  let mapping: Mapping | undefined = 'campaign';
  for (const key of path) if (typeof key === 'string') mapping = mapping && CHILDREN[mapping][key];
  return mapping ? FIELDS[mapping] : [];
}

function describeIssue(file: string, issue: z.core.$ZodIssue): CampaignProblem[] {
  const field = issue.path.join('.');
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => {
        const fields = fieldsAt(issue.path);
        const suggestion = closestMatch(key, fields);
        const fix = suggestion ? `did you mean ${suggestion}?` : `remove it or check the spelling (fields: ${fields.join(', ')})`;
        return { file, field: field ? `${field}.${key}` : key, message: `is not a known field: ${fix}` };
      });
    case 'invalid_type':
      return [{ file, field, message: issue.input === undefined ? 'is required' : typeProblem(issue.expected, issue.input) }];
    case 'invalid_value': {
      const options = issue.values.map(String);
      const suggestion = closestMatch(String(issue.input), options);
      return [{ file, field, message: `must be one of ${options.join(', ')}${suggestion ? ` (did you mean ${suggestion}?)` : ''}` }];
    }
    default:
      return [{ file, field, message: issue.message }];
  }
}

function typeProblem(expected: string, input: unknown): string {
  if (expected === 'array') {
    const example = typeof input === 'string' || typeof input === 'number' ? `[${input}]` : '[a, b]';
    return `must be a list, e.g. ${example}`;
  }
  if (expected === 'boolean') return 'must be true or false';
  if (expected === 'object') return 'must be a mapping of fields (see jobs/*.yaml)';
  return `must be a ${expected}`;
}

function hashDefinition(campaign: Campaign): string {
  return createHash('sha256').update(JSON.stringify(campaign)).digest('hex').slice(0, 16);
}
