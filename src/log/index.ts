/**
 * Structured logs with ids only. Never pass names, message text or whole resources here:
 * log `{ campaignId, patientRef, promptId, jobId }` and let the database hold the rest. Errors go under `err`
 * (`logger.warn({ err: error }, '…')`): the serializer keeps their name, code and a message free of patient data.
 */
import { type Logger, pino } from 'pino';
import { errorFields } from './error-fields.ts';

export { type ErrorFields, errorFields } from './error-fields.ts';
export { type ErrorReporter, throttledErrorReporter } from './throttle.ts';
export type { Logger };

/** `level`: the configured LOG_LEVEL (config/), or info. */
export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const level = options.level ?? 'info';
  const settings = { level, serializers: { err: errorFields } };
  return options.destination ? pino(settings, options.destination) : pino(settings, pino.destination(2));
}

/** A logger that drops everything: for tests and for commands whose stdout is the product (--json). */
export const silentLogger: Logger = pino({ level: 'silent' });
