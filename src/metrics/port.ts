/**
 * The metrics port: what the engine reports as it works, in its own words. fhir and queue call these; only
 * src/metrics knows Prometheus. Figures that live in PostgreSQL or Redis (prompts, decisions, queue depths) are
 * read when scraped, not counted here, so they agree across processes and restarts.
 */
export type FhirRequestKind = 'search' | 'read' | 'create';

export interface Instruments {
  /** One FHIR request attempt: its kind, the HTTP status (or `network` when none came back) and how long it took. */
  fhirRequest(kind: FhirRequestKind, status: string, seconds: number): void;
  /** One job attempt ended: its queue, how, and how long it ran. */
  jobFinished(queue: string, outcome: 'completed' | 'failed', seconds: number): void;
}

export const NO_INSTRUMENTS: Instruments = { fhirRequest() {}, jobFinished() {} };

/** The state read at each scrape. */
export interface Snapshot {
  prompts: Array<{ campaign: string; status: string; count: number }>;
  decisions: Array<{ campaign: string; outcome: string; count: number }>;
  queues: Array<{ queue: string; state: string; count: number }>;
}
