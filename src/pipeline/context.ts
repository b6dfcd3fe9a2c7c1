/** What every use-case is given (built once by the app), and what a stage's handler gets besides its work. */
import type { Config } from '../config/index.ts';
import type { Transport } from '../delivery/index.ts';
import type { FhirGateway } from '../fhir/index.ts';
import type { Logger } from '../log/index.ts';
import type { TemplateRegistry } from '../render/index.ts';
import type { SendRule } from './policy.ts';
import type { Clock, Enqueue, Store, ValueSetSource } from './ports.ts';

/** The transport of each channel, by channel name. */
export type Transports = ReadonlyMap<string, Transport>;

/** Everything a use-case may use, built once by the app. */
export interface Services {
  store: Store;
  gateway: FhirGateway;
  templates: TemplateRegistry;
  valueSets: ValueSetSource;
  transports: Transports;
  /** What is checked at send time, in order (see policy.ts). */
  sendRules: readonly SendRule[];
  config: Readonly<Config>;
  logger: Logger;
  clock: Clock;
}

/** What a stage's handler is given besides its work: the services and the way to hand work on. */
export interface Context extends Services {
  enqueue: Enqueue;
}
