/** The campaign file format: what care managers write in `jobs/*.yaml`. */
import cronParser from 'cron-parser';
import { z } from 'zod';
import { CHANNELS, DEFAULT_CHANNEL } from '../delivery/index.ts';
import { COMMUNICATION_CATEGORIES } from '../fhir/index.ts';
import { isIanaTimezone } from '../time/index.ts';
import { TRIGGER_RESOURCE_TYPES } from '../triggers/index.ts';
import { DURATION_HINT, MAX_DURATION, parseDurationMs } from './duration.ts';

const duration = z.string().superRefine((text, ctx) => {
  const ms = parseDurationMs(text) ?? 0;
  if (!(ms > 0)) ctx.addIssue({ code: 'custom', message: `must be ${DURATION_HINT}` });
  else if (ms > MAX_DURATION.ms) {
    ctx.addIssue({
      code: 'custom',
      message: `must be at most ${MAX_DURATION.text} (${MAX_DURATION.words}): write a shorter duration, e.g. P365D`,
    });
  }
});

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

/** Shorter repeat periods would let a campaign message the same patient more than once a day. */
const MIN_REPEAT_MS = 86_400_000;

const codeToken = z.string().regex(/^[^|\s]+\|[^|\s]+$/, {
  message: 'must be "system|code", e.g. "http://snomed.info/sct|18557009"',
});

export const Schedule = z.object({ cron, timezone: timezone.default('UTC') }).strict();

export const Trigger = z
  .object({
    resource: z.enum(TRIGGER_RESOURCE_TYPES).describe('a resource type of the trigger registry (src/triggers)'),
    codes: z.array(codeToken).min(1, { message: 'must list at least one "system|code"' }),
    status: z.array(z.string().min(1)).min(1).describe('allowed statuses (clinicalStatus for Condition)'),
    within: duration
      .optional()
      .describe('the resource date (onset, performed, authored, effective) lies within this duration before the due time'),
    delay: duration.optional().describe('the prompt is due this long after the resource date (e.g. P14D after a prescription)'),
  })
  .strict();

export const Campaign = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { message: 'must be lowercase letters, digits and dashes, e.g. wound-care' }),
    name: z.string().min(1),
    active: z.boolean().default(true),
    schedule: Schedule,
    trigger: Trigger,
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
    sensitive: z.boolean().default(false).describe('content that could upset a patient: never sent without review'),
    readingLevelWaiver: z
      .string()
      .trim()
      .min(1, { message: 'must give the reason the template may read above grade 8, e.g. "consent wording required by law"' })
      .optional()
      .describe('why this campaign may use a template that reads above grade 8 (README, "Reading level")'),
  })
  .strict()
  .superRefine((campaign, ctx) => {
    if (campaign.sensitive && campaign.review !== 'required') {
      ctx.addIssue({
        code: 'custom',
        path: ['review'],
        message: 'must be "required" when sensitive is true: upsetting news is never sent automatically',
      });
    }
  });

export type Campaign = z.infer<typeof Campaign>;
export type Trigger = z.infer<typeof Trigger>;
