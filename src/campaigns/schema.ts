/** The campaign file format: what care managers write in `jobs/*.yaml`. */
import cronParser from 'cron-parser';
import { z } from 'zod';
import {
  CODES_NEEDED,
  Criterion,
  codeSelection,
  duration,
  Exclusion,
  hasCodes,
  knownStatuses,
  recordResource,
  statusList,
  ValueTest,
  valueOnObservationsOnly,
} from '../criteria/index.ts';
import { CHANNELS, DEFAULT_CHANNEL } from '../delivery/index.ts';
import { COMMUNICATION_CATEGORIES } from '../fhir/index.ts';
import { parseSendWindow } from '../schedule/index.ts';
import { isIanaTimezone, parseDurationMs } from '../time/index.ts';

const languageTag = z.string().refine(
  (tag) => {
    try {
      return Intl.getCanonicalLocales(tag).length === 1;
    } catch {
      return false;
    }
  },
  { message: 'must be "skip" or a BCP 47 language tag such as es or en-US' },
);

const timezone = z.string().refine(isIanaTimezone, { message: 'must be an IANA time zone such as America/New_York' });

/** Five-field cron (minute hour day-of-month month day-of-week), checked with the parser BullMQ uses. */
const cron = z.string().superRefine((text, ctx) => {
  const fields = text.trim().split(/\s+/);
  const problem = fields.length === 5 ? cronProblem(text) : 'needs five fields';
  if (problem) ctx.addIssue({ code: 'custom', message: `is not a valid cron expression (${problem}): write e.g. "0 8-18/2 * * *"` });
});

function cronProblem(text: string): string | undefined {
  try {
    cronParser.parseExpression(text);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : 'unreadable';
  }
}

/** Kept as written (the stored definition is this file): parsed where it is used. */
const sendWindow = z.string().superRefine((text, ctx) => {
  const parsed = parseSendWindow(text);
  if ('problem' in parsed) ctx.addIssue({ code: 'custom', message: parsed.problem });
});

/** Shorter repeat periods would let a campaign message the same patient more than once a day. */
const MIN_REPEAT_MS = 86_400_000;

export const Schedule = z.object({ cron, timezone: timezone.default('UTC') }).strict();

export const Trigger = z
  .object({
    resource: recordResource,
    ...codeSelection,
    status: statusList.describe('allowed statuses (clinicalStatus for Condition)'),
    within: duration
      .optional()
      .describe(
        'the resource date (onset, performed, authored, effective, end of the encounter) lies within this duration before the due time',
      ),
    delay: duration.optional().describe('the prompt is due this long after the resource date (e.g. P14D after a prescription)'),
    value: ValueTest.optional().describe("Observations only: the result's value test (a result is sensitive: see resultsMessaging)"),
  })
  .strict()
  .refine(hasCodes, { message: CODES_NEEDED })
  .refine(...valueOnObservationsOnly)
  .superRefine(knownStatuses);

/**
 * The patients a care-gap campaign checks each period (no triggering event: the patient lacks something). Each
 * prompt is about the patient's cohort resource (the diabetes Condition).
 */
export const Cohort = z
  .object({ resource: recordResource, ...codeSelection, status: statusList.describe('allowed clinicalStatus (or status) codes') })
  .strict()
  .refine(hasCodes, { message: CODES_NEEDED })
  .superRefine(knownStatuses);

export const Campaign = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { message: 'must be lowercase letters, digits and dashes, e.g. wound-care' }),
    name: z.string().min(1),
    active: z.boolean().default(true),
    schedule: Schedule,
    trigger: Trigger.optional().describe('the event that makes a prompt due (or give cohort instead)'),
    cohort: Cohort.optional().describe('for care gaps: the patients checked each repeat period (instead of trigger)'),
    when: Criterion.optional().describe("criteria on the patient's record that must hold (all, any, not, has, lacks, age, gender)"),
    exclude: z.array(Exclusion).min(1).optional().describe('criteria that, if any holds, mean never prompt; each with its reason'),
    template: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, {
      message: 'must be a template id, lowercase letters, digits and dashes (e.g. wound-care): the file name in TEMPLATES_DIR without .hbs',
    }),
    category: z.enum(COMMUNICATION_CATEGORIES).default('reminder'),
    channel: z.enum(CHANNELS).default(DEFAULT_CHANNEL).describe('how prompts reach the patient'),
    repeat: z
      .union([
        z.literal('once'),
        duration.refine((text) => (parseDurationMs(text) ?? 0) >= MIN_REPEAT_MS, { message: 'must be at least P1D (one day)' }),
      ])
      .default('once')
      .describe('once per trigger resource, or at most once per patient per period'),
    review: z.enum(['none', 'required']).default('none'),
    languageFallback: z
      .union([z.literal('skip'), languageTag])
      .default('skip')
      .describe("when the template has no variant in the patient's language: skip the prompt, or use this language's"),
    sensitive: z.boolean().default(false).describe('content that could upset a patient: never sent without review'),
    sendWindow: sendWindow.optional().describe("when messages may arrive in the patient's time; SEND_WINDOW when absent"),
    priority: z
      .number()
      .refine((value) => Number.isInteger(value) && Math.abs(value) <= 1000, {
        message: 'must be a whole number from -1000 to 1000 (higher goes first), e.g. 10',
      })
      .default(0)
      .describe("of two prompts competing for a patient's frequency-cap slot, the higher goes first"),
    exemptFromCaps: z.boolean().default(false).describe('not held back by FREQUENCY_CAP (its messages still count against it)'),
    resultsMessaging: z
      .enum(['review', 'patient-preference'])
      .default('review')
      .describe('a result-value campaign: every prompt reviewed, or sent unreviewed to patients who chose results by message'),
    allowValueInMessage: z.boolean().default(false).describe("whether the template may print the result's value (trigger.value)"),
    readingLevelWaiver: z
      .string()
      .trim()
      .min(1, { message: 'must give the reason the template may read above grade 8, e.g. "consent wording required by law"' })
      .optional()
      .describe('why this campaign may use a template that reads above grade 8 (README, "Reading level")'),
  })
  .strict()
  .superRefine((campaign, ctx) => {
    if ((campaign.trigger === undefined) === (campaign.cohort === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: campaign.trigger ? ['cohort'] : ['trigger'],
        message: 'give either trigger (an event makes a prompt due) or cohort (a care gap checked each period), not both or neither',
      });
    }
    if (campaign.cohort && campaign.repeat === 'once') {
      ctx.addIssue({
        code: 'custom',
        path: ['repeat'],
        message: 'must be a period (e.g. P30D) for a cohort campaign: its patients are checked each period',
      });
    }
    if (campaign.trigger?.value && campaign.review !== 'required' && campaign.resultsMessaging !== 'patient-preference') {
      ctx.addIssue({
        code: 'custom',
        path: ['review'],
        message:
          'must be "required" for a campaign about a result value, unless resultsMessaging: patient-preference (then patients who have not chosen results by message are held for review)',
      });
    }
    if (campaign.allowValueInMessage && !campaign.trigger?.value) {
      ctx.addIssue({ code: 'custom', path: ['allowValueInMessage'], message: 'applies only to a trigger with a value test: remove it' });
    }
    if (campaign.sensitive && campaign.review !== 'required') {
      ctx.addIssue({
        code: 'custom',
        path: ['review'],
        message: 'must be "required" when sensitive is true: upsetting news is never sent automatically',
      });
    }
    if (campaign.exemptFromCaps && campaign.review !== 'required') {
      ctx.addIssue({
        code: 'custom',
        path: ['exemptFromCaps'],
        message:
          'may be true only with review: required (a clinician decides each message that bypasses the frequency caps): add review: required or remove exemptFromCaps',
      });
    }
  });

export type Campaign = z.infer<typeof Campaign>;
export type Trigger = z.infer<typeof Trigger>;
export type Cohort = z.infer<typeof Cohort>;

/** What makes a prompt due: the trigger, or a cohort campaign's cohort resource (dated by nothing: no window). */
export function triggerOf(campaign: Pick<Campaign, 'trigger' | 'cohort'>): Trigger {
  if (campaign.trigger) return campaign.trigger;
  if (!campaign.cohort) throw new Error('A campaign has a trigger or a cohort (the schema checks it)');
  return campaign.cohort;
}
