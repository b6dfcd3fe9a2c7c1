/**
 * What a log line says about an error: its name, its code and a message only when that message is known to
 * carry no patient data. careprompt's own errors name ids, statuses, files and fields by design; a Node system
 * error names an address or a path (`connect ECONNREFUSED 127.0.0.1:6379`). Any other library's message may
 * echo a query's values (database drivers do), so it is left out: the name and code say what happened.
 */

/** Errors whose messages careprompt writes itself, recognised by class name (they live in layers above this one). */
const OWN_ERRORS = new Set([
  'FhirTransientError',
  'FhirRequestError',
  'FhirDataError',
  'FhirAuthError',
  'DeliveryRejected',
  'DeliveryTransient',
  'StoredCampaignError',
  'TemplateError',
  'CampaignFileError',
  'ConfigError',
  'UsageError',
  'LeaseLostError',
  'UnrecoverableError',
  'ValueSetUnavailableError',
  'ValueSetFileError',
]);

const MESSAGE_MAX = 300;

export interface ErrorFields {
  name: string;
  code?: string;
  message?: string;
}

export function errorFields(error: unknown): ErrorFields {
  if (!(error instanceof Error)) return { name: typeof error };
  const code = codeOf(error);
  const fields: ErrorFields = { name: error.name, ...(code ? { code } : {}) };
  // Node's connect to several addresses (ioredis to `localhost`) fails with one system error per address.
  const first = error instanceof AggregateError ? error.errors.find((inner): inner is Error => inner instanceof Error) : undefined;
  if (first) return { ...errorFields(first), ...fields };
  return { ...fields, ...safeMessage(error) };
}

function safeMessage(error: Error): { message?: string } {
  const isSystemError = typeof (error as NodeJS.ErrnoException).syscall === 'string';
  if (!isSystemError && !OWN_ERRORS.has(error.name)) return {};
  const message = error.message.split('\n')[0] ?? '';
  return { message: message.length > MESSAGE_MAX ? `${message.slice(0, MESSAGE_MAX - 1)}…` : message };
}

/** `code` (Node, ioredis, Prisma's known errors), `errorCode` (Prisma's initialization errors) or an HTTP `status`. */
function codeOf(error: Error): string | undefined {
  const record = error as Error & { code?: unknown; errorCode?: unknown; status?: unknown };
  const code = record.code ?? record.errorCode ?? record.status;
  return typeof code === 'string' || typeof code === 'number' ? String(code) : undefined;
}
