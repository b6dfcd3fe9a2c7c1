/**
 * Structured logs with ids only. Never pass names, message text or whole resources here:
 * log `{ campaignId, patientRef, promptId, jobId }` and let the database hold the rest.
 */
import { type Logger, pino } from 'pino';

export type { Logger };

export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? 'info';
  return options.destination ? pino({ level }, options.destination) : pino({ level }, pino.destination(2));
}

/** A logger that drops everything: for tests and for commands whose stdout is the product (--json). */
export const silentLogger: Logger = pino({ level: 'silent' });
