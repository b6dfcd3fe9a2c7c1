/** Metrics: the port the engine reports through, and its Prometheus implementation. */
export { type FhirRequestKind, type Instruments, NO_INSTRUMENTS, type Snapshot } from './port.ts';
export { createMetrics, type Metrics } from './prometheus.ts';
export { serveMetrics } from './server.ts';
