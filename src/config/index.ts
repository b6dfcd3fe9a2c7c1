/**
 * Environment → typed, frozen configuration, parsed once at start-up. A missing or malformed variable
 * stops the program with a message naming the variable and an example value.
 */
import { z } from 'zod';
import { type FrequencyCap, parseFrequencyCaps, parseSendWindow, type SendWindow } from '../schedule/index.ts';
import { isIanaTimezone } from '../time/index.ts';
import { authVariableNames, authVariables, type FhirAuth, fhirAuthOf } from './fhir-auth.ts';
import { Secret } from './secret.ts';

export { DEFAULT_FHIR_SCOPES, FHIR_AUTH_MODES, type FhirAuth } from './fhir-auth.ts';
export { Secret };

const url = (protocols: string[]) =>
  z.url().refine((value) => protocols.some((protocol) => value.startsWith(`${protocol}:`)), {
    message: `must use ${protocols.join(' or ')}`,
  });

/**
 * The codings that mean "outreach messaging" in a Consent: careprompt's own code, and the HL7 purpose of use
 * "care management" (v3-ActReason CAREMGT), which these prompts are.
 */
const DEFAULT_OPT_OUT_CONSENT_CODES =
  'urn:careprompt:consent|outreach-messaging,http://terminology.hl7.org/CodeSystem/v3-ActReason|CAREMGT';
/** careprompt's own code for "the patient agrees to receive results by portal message". */
const DEFAULT_RESULTS_CONSENT_CODES = 'urn:careprompt:consent|results-by-message';
const CODE_TOKEN = /^[^|\s,]+\|[^|\s,]+$/;

/** A comma-separated list of Consent codings, `system|code`. */
const consentCodes = (defaults: string) =>
  z
    .string()
    .default(defaults)
    .transform((text) => text.split(',').map((token) => token.trim()))
    .refine((tokens) => tokens.every((token) => CODE_TOKEN.test(token)), {
      message: 'must be a comma-separated list of "system|code"',
    });

const ianaTimezone = z.string().refine(isIanaTimezone, { message: 'is not an IANA time zone' });

/** A text the schedule module parses; its problem becomes the variable's. */
const scheduleText = <T>(parse: (text: string) => T | { problem: string }) =>
  z.string().transform((text, ctx): T => {
    const parsed = parse(text);
    if (typeof parsed === 'object' && parsed !== null && 'problem' in parsed) {
      ctx.addIssue({ code: 'custom', message: parsed.problem });
      return z.NEVER;
    }
    return parsed as T;
  });

/** Each variable: its schema, an example shown in errors, and what it is for. */
const variables = {
  FHIR_BASE_URL: { schema: url(['http', 'https']), example: 'https://fhir.example.org/r4' },
  DATABASE_URL: { schema: url(['postgresql', 'postgres']), example: 'postgresql://postgres@127.0.0.1:5432/careprompt' },
  REDIS_URL: { schema: url(['redis', 'rediss']).default('redis://127.0.0.1:6379'), example: 'redis://127.0.0.1:6379' },
  TEMPLATES_DIR: { schema: z.string().min(1).default('templates'), example: 'templates' },
  VALUESETS_DIR: { schema: z.string().min(1).default('jobs/valuesets'), example: 'jobs/valuesets' },
  SENDER_REFERENCE: {
    schema: z.string().regex(/^(Organization|Practitioner|PractitionerRole|CareTeam|Device)\/[A-Za-z0-9.-]{1,64}$/, {
      message: 'must be a FHIR reference like Organization/123',
    }),
    example: 'Organization/careprompt-clinic',
  },
  ORG_NAME: { schema: z.string().min(1), example: 'Riverside Family Medicine' },
  ORG_REPLY_TIME: { schema: z.string().min(1), example: '2 business days' },
  ORG_PHONE: { schema: z.string().min(1).optional(), example: '555-0100' },
  IDENTIFIER_SYSTEM: {
    schema: z.url().default('urn:careprompt:prompt'),
    example: 'https://careprompt.example.org/prompt-id',
  },
  DEFAULT_TIMEZONE: { schema: ianaTimezone.default('America/New_York'), example: 'America/New_York' },
  // Quiet hours: when, in the patient's own time, messages may arrive (a campaign's sendWindow overrides it).
  SEND_WINDOW: {
    schema: scheduleText<SendWindow>(parseSendWindow).default(parseSendWindow('09:00-20:00') as SendWindow),
    example: '09:00-20:00 mon-sat',
  },
  FREQUENCY_CAP: {
    schema: scheduleText<FrequencyCap[]>(parseFrequencyCaps).default(parseFrequencyCaps('1/P1D,3/P7D') as FrequencyCap[]),
    example: '1/P1D,3/P7D',
  },
  FHIR_TIMEOUT_MS: { schema: z.coerce.number().int().min(100).max(300_000).default(15_000), example: '15000' },
  FHIR_MAX_ATTEMPTS: { schema: z.coerce.number().int().min(1).max(10).default(4), example: '4' },
  FHIR_PAGE_SIZE: { schema: z.coerce.number().int().min(1).max(1000).default(500), example: '500' },
  // 8 KB request lines pass nginx, Apache and Jetty; behind IIS (2 KB query strings by default) set 2000.
  FHIR_MAX_QUERY_LENGTH: { schema: z.coerce.number().int().min(200).max(100_000).default(7000), example: '7000' },
  // Unset: no budget. Shared through Redis by every process pointed at the same FHIR base URL.
  FHIR_MAX_RPS: { schema: z.coerce.number().positive().max(10_000).optional(), example: '20' },
  POLL_OVERLAP_SECONDS: { schema: z.coerce.number().int().min(0).max(86_400).default(300), example: '300' },
  WORKER_CONCURRENCY: { schema: z.coerce.number().int().min(1).max(256).default(16), example: '16' },
  JOB_ATTEMPTS: { schema: z.coerce.number().int().min(1).max(50).default(8), example: '8' },
  SEND_LEASE_SECONDS: { schema: z.coerce.number().int().min(1).max(3600).default(30), example: '30' },
  PROMPT_EXPIRY_HOURS: {
    schema: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 30)
      .default(48),
    example: '48',
  },
  // Procedures completed within this many days are listed to templates as the patient's recent ones.
  RECENT_PROCEDURES_DAYS: { schema: z.coerce.number().int().min(1).max(3650).default(90), example: '90' },
  RECOVER_AFTER_SECONDS: { schema: z.coerce.number().int().min(10).max(86_400).default(60), example: '60' },
  JOB_BACKOFF_MS: { schema: z.coerce.number().int().min(1).max(3_600_000).default(2000), example: '2000' },
  QUEUE_PREFIX: {
    schema: z
      .string()
      .regex(/^[a-z0-9:_-]+$/)
      .default('careprompt'),
    example: 'careprompt',
  },
  OPT_OUT_CONSENT_CODES: {
    schema: consentCodes(DEFAULT_OPT_OUT_CONSENT_CODES),
    example: 'urn:careprompt:consent|outreach-messaging,http://terminology.hl7.org/CodeSystem/v3-ActReason|CAREMGT',
  },
  RESULTS_CONSENT_CODES: { schema: consentCodes(DEFAULT_RESULTS_CONSENT_CODES), example: DEFAULT_RESULTS_CONSENT_CODES },
  LOG_LEVEL: {
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    example: 'info',
  },
  HTTP_HOST: { schema: z.string().min(1).default('127.0.0.1'), example: '127.0.0.1' },
  HTTP_PORT: { schema: z.coerce.number().int().min(0).max(65_535).default(8080), example: '8080' },
  SESSION_SECRET: {
    schema: z.string().refine((value) => Buffer.byteLength(value) >= 32, {
      message: 'must be at least 32 bytes: generate one with `openssl rand -base64 48`',
    }),
    example: '$(openssl rand -base64 48)',
  },
  SESSION_TTL_MINUTES: { schema: z.coerce.number().int().min(1).max(10_080).default(480), example: '480' },
  LOGIN_MAX_FAILURES: { schema: z.coerce.number().int().min(1).max(100).default(5), example: '5' },
  LOGIN_LOCK_MINUTES: { schema: z.coerce.number().int().min(1).max(1440).default(15), example: '15' },
  // Unset: the worker serves no metrics. Loopback by default: the worker's /metrics has no sign-in.
  METRICS_PORT: { schema: z.coerce.number().int().min(0).max(65_535).optional(), example: '9464' },
  METRICS_HOST: { schema: z.string().min(1).default('127.0.0.1'), example: '127.0.0.1' },
  ...authVariables,
} as const;

type Variables = typeof variables;
type Name = keyof Variables;
type Parsed<N extends Name> = { [K in N]: z.infer<Variables[K]['schema']> };

export interface Config {
  /** maxRequestsPerSecond: the budget all processes share for this server (FHIR_MAX_RPS); undefined: none. */
  fhir: {
    baseUrl: string;
    timeoutMs: number;
    maxAttempts: number;
    pageSize: number;
    maxQueryLength: number;
    auth: FhirAuth;
    maxRequestsPerSecond?: number;
  };
  databaseUrl: string;
  redisUrl: string;
  templatesDir: string;
  /** Local ValueSet files (VALUESETS_DIR): value sets for servers without `$expand`. */
  valueSetsDir: string;
  delivery: { senderReference: string; identifierSystem: string };
  /** replyTime completes "We usually reply within …"; translations come from ORG_REPLY_TIME_<LANG> (e.g. _ES). */
  org: { name: string; replyTime: string; replyTimeByLanguage: Record<string, string>; phone?: string };
  defaultTimezone: string;
  /** window (SEND_WINDOW): when messages may arrive, in the patient's time; caps (FREQUENCY_CAP): per patient, all campaigns. */
  schedule: { window: SendWindow; caps: readonly FrequencyCap[] };
  poll: { overlapSeconds: number };
  /** recentProcedureDays: the window of the procedures templates list (RECENT_PROCEDURES_DAYS). */
  render: { recentProcedureDays: number };
  /** outreachCodes: the Consent codings (`system|code`) that mean outreach messaging (OPT_OUT_CONSENT_CODES). */
  optOut: { outreachCodes: ReadonlySet<string> };
  /** consentCodes: the Consent codings (`system|code`) that mean results by portal message (RESULTS_CONSENT_CODES). */
  resultsPreference: { consentCodes: ReadonlySet<string> };
  /**
   * expireAfterMs (PROMPT_EXPIRY_HOURS): a prompt not sent this long after it became sendable is withdrawn, work
   * recovered later than this after its poll (an outage) is dropped, not delivered late, and a job sits out a
   * server's announced wait for at most this long.
   * sendLeaseMs: how long a sender holds a prompt without renewing; a crashed sender's prompts wait this long.
   * recoverAfterMs: unfinished work older than this is queued again even if Redis still has a job for it.
   */
  queue: {
    prefix: string;
    concurrency: number;
    attempts: number;
    backoffMs: number;
    expireAfterMs: number;
    sendLeaseMs: number;
    recoverAfterMs: number;
  };
  logLevel: Parsed<'LOG_LEVEL'>['LOG_LEVEL'];
}

/** What the commands for people need, which never talk to FHIR (campaigns, outreach list/approve/reject). */
export type AdminConfig = Pick<Config, 'databaseUrl' | 'redisUrl' | 'templatesDir' | 'logLevel'> & {
  queue: Pick<Config['queue'], 'prefix' | 'attempts' | 'backoffMs' | 'expireAfterMs'>;
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the named variables; every problem is reported at once, each with an example. */
function parseVariables<N extends Name>(names: readonly N[], env: NodeJS.ProcessEnv): Parsed<N> {
  const schema = z.object(Object.fromEntries(names.map((name) => [name, variables[name].schema])));
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    // One line per variable: a value can break several rules, and the first says enough.
    const firstPerVariable = parsed.error.issues.filter(
      (issue, index, all) => all.findIndex((other) => other.path[0] === issue.path[0]) === index,
    );
    throw new ConfigError(
      firstPerVariable.map((issue) => {
        const name = String(issue.path[0]) as Name;
        return describe(name, env[name] === undefined || env[name] === '' ? 'is not set' : issue.message);
      }),
    );
  }
  return parsed.data as Parsed<N>;
}

function describe(name: Name, problem: string): string {
  return `${name} ${problem} (example: ${name}=${variables[name].example})`;
}

export function loadAdminConfig(env: NodeJS.ProcessEnv = process.env): Readonly<AdminConfig> {
  const e = parseVariables(
    ['DATABASE_URL', 'REDIS_URL', 'QUEUE_PREFIX', 'JOB_ATTEMPTS', 'JOB_BACKOFF_MS', 'PROMPT_EXPIRY_HOURS', 'TEMPLATES_DIR', 'LOG_LEVEL'],
    env,
  );
  return Object.freeze({
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    queue: {
      prefix: e.QUEUE_PREFIX,
      attempts: e.JOB_ATTEMPTS,
      backoffMs: e.JOB_BACKOFF_MS,
      expireAfterMs: e.PROMPT_EXPIRY_HOURS * 3_600_000,
    },
    templatesDir: e.TEMPLATES_DIR,
    logLevel: e.LOG_LEVEL,
  });
}

/** What checking campaign files needs: only where the templates are (no database, no FHIR server). */
export function loadTemplatesConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Pick<Config, 'templatesDir'>> {
  return Object.freeze({ templatesDir: parseVariables(['TEMPLATES_DIR'], env).TEMPLATES_DIR });
}

/** Where the local ValueSet files are (for `campaigns validate|apply`, which check the value sets campaigns name). */
export function loadValueSetsConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Pick<Config, 'valueSetsDir'>> {
  return Object.freeze({ valueSetsDir: parseVariables(['VALUESETS_DIR'], env).VALUESETS_DIR });
}

/** `careprompt serve`: where it listens, how sessions and sign-ins behave. */
export interface HttpConfig {
  host: string;
  port: number;
  /** Keys the session ids stored and the CSRF tokens derived from them (SESSION_SECRET). */
  sessionSecret: Secret;
  sessionTtlMs: number;
  /** After this many failed sign-ins in a row the account is locked for lockMs. */
  loginMaxFailures: number;
  loginLockMs: number;
}

export function loadHttpConfig(env: NodeJS.ProcessEnv = process.env): Readonly<HttpConfig> {
  const e = parseVariables(
    ['HTTP_HOST', 'HTTP_PORT', 'SESSION_SECRET', 'SESSION_TTL_MINUTES', 'LOGIN_MAX_FAILURES', 'LOGIN_LOCK_MINUTES'],
    env,
  );
  return Object.freeze({
    host: e.HTTP_HOST,
    port: e.HTTP_PORT,
    sessionSecret: new Secret(e.SESSION_SECRET),
    sessionTtlMs: e.SESSION_TTL_MINUTES * 60_000,
    loginMaxFailures: e.LOGIN_MAX_FAILURES,
    loginLockMs: e.LOGIN_LOCK_MINUTES * 60_000,
  });
}

/** The worker's Prometheus endpoint, or undefined when METRICS_PORT is unset. */
export function loadMetricsConfig(env: NodeJS.ProcessEnv = process.env): Readonly<{ host: string; port: number }> | undefined {
  const e = parseVariables(['METRICS_HOST', 'METRICS_PORT'], env);
  return e.METRICS_PORT === undefined ? undefined : Object.freeze({ host: e.METRICS_HOST, port: e.METRICS_PORT });
}

const AUTH_NAMES = new Set<string>(Object.keys(authVariables));
/** Read by their own loaders, not by loadConfig. */
const SERVE_NAMES = new Set<string>([
  'HTTP_HOST',
  'HTTP_PORT',
  'SESSION_SECRET',
  'SESSION_TTL_MINUTES',
  'LOGIN_MAX_FAILURES',
  'LOGIN_LOCK_MINUTES',
  'METRICS_PORT',
  'METRICS_HOST',
]);

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  // The FHIR auth variables are read only for the mode FHIR_AUTH names.
  const names = [
    ...(Object.keys(variables) as Name[]).filter((name) => !AUTH_NAMES.has(name) && !SERVE_NAMES.has(name)),
    ...authVariableNames(env),
  ];
  const e = parseVariables(names, env);
  const auth = fhirAuthOf(e);
  if ('problem' in auth) throw new ConfigError([describe(auth.variable, auth.problem)]);
  return Object.freeze({
    fhir: {
      baseUrl: e.FHIR_BASE_URL,
      timeoutMs: e.FHIR_TIMEOUT_MS,
      maxAttempts: e.FHIR_MAX_ATTEMPTS,
      pageSize: e.FHIR_PAGE_SIZE,
      maxQueryLength: e.FHIR_MAX_QUERY_LENGTH,
      auth,
      ...(e.FHIR_MAX_RPS === undefined ? {} : { maxRequestsPerSecond: e.FHIR_MAX_RPS }),
    },
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    templatesDir: e.TEMPLATES_DIR,
    valueSetsDir: e.VALUESETS_DIR,
    delivery: { senderReference: e.SENDER_REFERENCE, identifierSystem: e.IDENTIFIER_SYSTEM },
    org: {
      name: e.ORG_NAME,
      replyTime: e.ORG_REPLY_TIME,
      replyTimeByLanguage: translationsOf('ORG_REPLY_TIME', env),
      ...(e.ORG_PHONE ? { phone: e.ORG_PHONE } : {}),
    },
    defaultTimezone: e.DEFAULT_TIMEZONE,
    schedule: { window: e.SEND_WINDOW, caps: e.FREQUENCY_CAP },
    poll: { overlapSeconds: e.POLL_OVERLAP_SECONDS },
    render: { recentProcedureDays: e.RECENT_PROCEDURES_DAYS },
    optOut: { outreachCodes: new Set(e.OPT_OUT_CONSENT_CODES) },
    resultsPreference: { consentCodes: new Set(e.RESULTS_CONSENT_CODES) },
    queue: {
      prefix: e.QUEUE_PREFIX,
      concurrency: e.WORKER_CONCURRENCY,
      attempts: e.JOB_ATTEMPTS,
      backoffMs: e.JOB_BACKOFF_MS,
      expireAfterMs: e.PROMPT_EXPIRY_HOURS * 3_600_000,
      sendLeaseMs: e.SEND_LEASE_SECONDS * 1000,
      recoverAfterMs: e.RECOVER_AFTER_SECONDS * 1000,
    },
    logLevel: e.LOG_LEVEL,
  });
}

/** `<PREFIX>_ES=…` style variables as `{ es: … }`: per-language versions of a patient-facing text. */
function translationsOf(prefix: string, env: NodeJS.ProcessEnv): Record<string, string> {
  const pattern = new RegExp(`^${prefix}_([A-Z]{2})$`);
  return Object.fromEntries(
    Object.entries(env).flatMap(([name, value]) => {
      const language = pattern.exec(name)?.[1];
      return language && value ? [[language.toLowerCase(), value]] : [];
    }),
  );
}

/** Who runs a command, as audit events name them: `cli:<login name>`, or `cli` where the login is unknown. */
export function cliActor(env: NodeJS.ProcessEnv = process.env): string {
  return env.USER ? `cli:${env.USER}` : 'cli';
}
