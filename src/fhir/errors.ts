/**
 * The ways a FHIR exchange fails, named so callers decide without reading messages:
 * - FhirTransientError: the server or the network may recover; the job queue retries later.
 * - FhirRequestError: the server refused the request; sending it again will not help.
 * - FhirDataError: the server answered with something our schemas reject.
 * Messages hold ids, statuses and field paths only. Response bodies may hold PHI, so they never become a
 * message, a `cause` or an enumerable field (pino's error serializer logs enumerable fields).
 */
import { z } from 'zod';

export class FhirTransientError extends Error {
  override readonly name = 'FhirTransientError';
  /** HTTP status, absent for network failures and timeouts. */
  readonly status: number | undefined;
  /** How long the server asked us to wait (Retry-After), when it said so. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, details: { status?: number; retryAfterMs?: number; cause?: unknown } = {}) {
    super(message, { cause: details.cause });
    this.status = details.status;
    this.retryAfterMs = details.retryAfterMs;
  }
}

export class FhirRequestError extends Error {
  override readonly name = 'FhirRequestError';
  readonly status: number;
  // Private with a getter so log serializers, which copy enumerable fields, never see the server's text.
  readonly #outcome: string;

  constructor(message: string, status: number, responseBody: unknown) {
    super(message);
    this.status = status;
    this.#outcome = summarizeOutcome(responseBody);
  }

  /** The server's OperationOutcome as `severity/code: diagnostics; …`, truncated. For the database, not logs. */
  get outcome(): string {
    return this.#outcome;
  }
}

export class FhirDataError extends Error {
  override readonly name = 'FhirDataError';
  readonly resourceType: string;
  readonly resourceId: string | undefined;
  /** Where the data went wrong, e.g. `entry[2].resource.resourceType`. */
  readonly field: string;
  /** What the schema wanted there; never the value found. */
  readonly expected: string;

  constructor(problem: { resourceType: string; resourceId?: string; field: string; expected: string }) {
    super(`${problem.resourceType}/${problem.resourceId ?? '?'} is malformed at ${problem.field}: ${problem.expected}`);
    this.resourceType = problem.resourceType;
    this.resourceId = problem.resourceId;
    this.field = problem.field;
    this.expected = problem.expected;
  }

  /** Names the first problem zod found; zod's default messages state types and expectations, not input. */
  static fromZod(resourceType: string, resourceId: string | undefined, error: z.ZodError): FhirDataError {
    const [issue] = error.issues;
    return new FhirDataError({
      resourceType,
      resourceId,
      field: issue ? fieldPath(issue.path) : '(root)',
      expected: issue?.message ?? 'a valid resource',
    });
  }
}

/** `["entry", 2, "resource"]` → `entry[2].resource`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  const text = path
    .map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`))
    .join('')
    .replace(/^\./, '');
  return text || '(root)';
}

const OUTCOME_SUMMARY_MAX = 500;

const OperationOutcome = z.looseObject({
  resourceType: z.literal('OperationOutcome'),
  issue: z.array(
    z.looseObject({
      severity: z.string().optional(),
      code: z.string().optional(),
      diagnostics: z.string().optional(),
      details: z.looseObject({ text: z.string().optional() }).optional(),
    }),
  ),
});

function summarizeOutcome(body: unknown): string {
  const parsed = OperationOutcome.safeParse(body);
  if (!parsed.success) return '';
  const summary = parsed.data.issue
    .map((issue) => {
      const text = issue.diagnostics ?? issue.details?.text;
      const head = `${issue.severity ?? '?'}/${issue.code ?? '?'}`;
      return text ? `${head}: ${text}` : head;
    })
    .join('; ');
  return summary.length > OUTCOME_SUMMARY_MAX ? `${summary.slice(0, OUTCOME_SUMMARY_MAX - 1)}…` : summary;
}

/** The text stored in the database for a failure: the message, plus the server's OperationOutcome when it sent one. */
export function failureReason(error: unknown): string {
  if (error instanceof FhirRequestError) return `${error.message}; ${error.outcome}`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
