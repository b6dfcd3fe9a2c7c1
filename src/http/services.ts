/**
 * What the HTTP API runs on, built by the caller (`careprompt serve`, or a test) and passed to buildApp: the
 * database for accounts and queries, the pipeline's ports for the use-cases it shares with the CLI, a clock (tests
 * move it), and the readiness checks.
 */
import type { CampaignCheck } from '../campaigns/index.ts';
import type { Secret } from '../config/index.ts';
import type { Logger } from '../log/index.ts';
import type { Metrics } from '../metrics/index.ts';
import type { Clock, Enqueue, Services, Store } from '../pipeline/index.ts';
import type { Db } from '../store/index.ts';

/** One dependency `/readyz` looks at: its name and whether it answered. */
export interface ReadinessCheck {
  name: string;
  ok: boolean;
}

/** gateway, templates, config: for template previews, which read the chosen patient from FHIR. */
export interface HttpServices extends Pick<Services, 'gateway' | 'templates' | 'config' | 'valueSets'> {
  db: Db;
  store: Store;
  enqueue: Enqueue;
  clock: Clock;
  logger: Logger;
  /** What applying a campaign checks beyond its schema (its template exists and loads). */
  campaignCheck: CampaignCheck;
  readiness(): Promise<ReadinessCheck[]>;
  /** This process's Prometheus figures, for GET /metrics. */
  metrics: Pick<Metrics, 'render'>;
}

export interface HttpOptions {
  sessionSecret: Secret;
  sessionTtlMs: number;
  loginMaxFailures: number;
  loginLockMs: number;
  /** Sign-in attempts per client address per minute. */
  loginRateLimit?: number;
}
