/** What every handler is given: narrow ports, never a BullMQ Job. */
import type { Config } from '../../config/index.ts';
import type { Transport } from '../../delivery/index.ts';
import type { FhirGateway } from '../../fhir/index.ts';
import type { Logger } from '../../log/index.ts';
import type { TemplateRegistry } from '../../render/index.ts';
import type { Db } from '../../store/index.ts';
import type { EvaluateJob, SendJob } from '../jobs.ts';

export interface Services {
  db: Db;
  gateway: FhirGateway;
  templates: TemplateRegistry;
  transport: Transport;
  config: Readonly<Config>;
  logger: Logger;
  clock: () => Date;
}

/** Hands work to the next stage; the queue layer decides how. */
export interface Enqueue {
  evaluations(jobs: EvaluateJob[]): Promise<void>;
  /** Queues a send, after `delayMs` when given. */
  send(job: SendJob, delayMs?: number): Promise<void>;
  /** Queues sends at once, in one round trip. */
  sends(jobs: SendJob[]): Promise<void>;
}
