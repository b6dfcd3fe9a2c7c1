/**
 * Reading campaign files. A file is accepted whole or not at all; every problem is reported with the
 * file, the field path and what to write instead.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { Campaign } from './schema.ts';

export interface LoadedCampaign {
  file: string;
  campaign: Campaign;
  /** sha256 of the normalised definition: a changed file gives a changed hash. */
  hash: string;
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
  const parsed = Campaign.safeParse(raw);
  if (!parsed.success) throw new CampaignFileError(parsed.error.issues.map((issue) => describeIssue(file, issue)));
  const problems = (check?.(parsed.data) ?? []).map((problem) => ({ file, ...problem }));
  if (problems.length > 0) throw new CampaignFileError(problems);
  return { file, campaign: parsed.data, hash: hashDefinition(parsed.data) };
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

function describeIssue(file: string, issue: z.core.$ZodIssue): CampaignProblem {
  const field = issue.path.join('.');
  if (issue.code === 'unrecognized_keys') {
    return { file, field, message: `has unknown field(s) ${issue.keys.join(', ')}: remove them or check the spelling` };
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) return { file, field, message: 'is required' };
  return { file, field, message: issue.message };
}

function hashDefinition(campaign: Campaign): string {
  return createHash('sha256').update(JSON.stringify(campaign)).digest('hex').slice(0, 16);
}
