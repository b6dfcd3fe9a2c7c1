/** The default transport: a Communication created on the FHIR server, conditional on its identifier. */
import type { FhirGateway } from '../fhir/index.ts';
import { buildCommunication, type CommunicationSettings } from './communication.ts';
import type { Transport } from './transport.ts';

export function createFhirCommunicationTransport(
  gateway: FhirGateway,
  settings: CommunicationSettings,
  clock: () => Date = () => new Date(),
): Transport {
  return {
    name: 'fhir-communication',
    send: (message) =>
      gateway.createIfNoneExist(buildCommunication(message, settings, clock()), {
        system: settings.identifierSystem,
        value: message.key,
      }),
  };
}
