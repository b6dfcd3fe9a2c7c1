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
    async findDelivered(key) {
      const identifier = `${settings.identifierSystem}|${key}`;
      // The first page answers: the identifier is unique to one Communication.
      for await (const page of gateway.searchPages('Communication', { identifier, _count: '1' })) {
        const [found] = page.matches;
        return found?.id ? { id: found.id, ...sentAtOf(found.sent) } : undefined;
      }
      return undefined;
    },
  };
}

function sentAtOf(sent: unknown): { sentAt?: Date } {
  const sentAt = typeof sent === 'string' ? new Date(sent) : undefined;
  return sentAt && !Number.isNaN(sentAt.getTime()) ? { sentAt } : {};
}
